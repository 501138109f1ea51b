"""occupations: price pg_trgm's word-similarity operator so search uses its index

Revision ID: occupations_0003
Revises: occupations_0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "occupations_0003"
down_revision = "occupations_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The planner prices `<%` like a cheap comparison, so on a catalogue of ~2,000 rows it
    # scans them all computing word similarity (~10 ms) rather than use the trigram index
    # (~1 ms). A realistic cost makes it choose the index.
    op.execute("ALTER FUNCTION word_similarity_op(text, text) COST 1000")


def downgrade() -> None:
    op.execute("ALTER FUNCTION word_similarity_op(text, text) COST 1")
