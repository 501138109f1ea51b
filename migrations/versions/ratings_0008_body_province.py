"""ratings: the province an evaluation body is registered in

GB/T 2260 code of the body's provincial-level division; NULL for national bodies, competition
bodies and bodies registered before provinces were recorded. It travels in
`skills.ratings.body.registered`, so read models elsewhere (rating statistics by province) can
place the certificates a body issues.

Revision ID: ratings_0008
Revises: ratings_0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "ratings_0008"
down_revision = "ratings_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE ratings.body ADD COLUMN province text
            CHECK (province ~ '^[1-6][0-9]0000$');
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE ratings.body DROP COLUMN province;")
