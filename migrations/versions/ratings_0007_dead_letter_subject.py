"""ratings: dead letters found by what they are about, never by parsing payloads in SQL

Revision ID: ratings_0007
Revises: ratings_0006
Create Date: 2026-12-01
"""

from migrations.bus_tables import add_dead_letter_subject

revision = "ratings_0007"
down_revision = "ratings_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_dead_letter_subject("ratings", "batch_id")


def downgrade() -> None:
    from alembic import op

    op.execute("ALTER TABLE ratings.dead_letter DROP COLUMN event_subject")
