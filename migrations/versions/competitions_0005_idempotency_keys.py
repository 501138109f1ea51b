"""competitions: Idempotency-Key of results submissions, with the content each was first used for

A key reused with other content is refused (422) instead of being dropped as a duplicate
event; the same content again gets the first submission's outcome.

Revision ID: competitions_0005
Revises: competitions_0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "competitions_0005"
down_revision = "competitions_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE competitions.idempotency_key (
            event_id     text        PRIMARY KEY,
            content_hash text        NOT NULL,
            created_at   timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE competitions.idempotency_key")
