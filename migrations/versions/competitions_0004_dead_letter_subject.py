"""competitions: dead letters found by what they are about, never by parsing payloads in SQL

Revision ID: competitions_0004
Revises: competitions_0003
Create Date: 2026-12-01
"""

from migrations.bus_tables import add_dead_letter_subject

revision = "competitions_0004"
down_revision = "competitions_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_dead_letter_subject("competitions", "competition")


def downgrade() -> None:
    from alembic import op

    op.execute("ALTER TABLE competitions.dead_letter DROP COLUMN event_subject")
