"""web: its own schema, holding only the bus tables every service keeps.

Revision ID: web_0001
"""

from alembic import op

from migrations.bus_tables import bus_tables

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA web;" + bus_tables("web"))


def downgrade() -> None:
    op.execute("DROP SCHEMA web CASCADE;")
