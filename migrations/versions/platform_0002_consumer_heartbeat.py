"""platform: consumer heartbeats, so readiness sees every consumer loop from any process

Each process that runs consumer fetch loops writes one row per consumer every few seconds:
whether its loops run, the backlog it last saw and when it last made progress. Any process of
the same instance (a replica: one host and process group, or SKILLSREG_INSTANCE) answers
`/health/ready` from these rows, whichever process runs the loops.

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE platform.consumer_heartbeat (
            consumer    text        NOT NULL,
            worker      text        NOT NULL,
            instance    text        NOT NULL,
            pid         integer     NOT NULL,
            running     boolean     NOT NULL,
            detail      text        NOT NULL DEFAULT '',
            pending     bigint      NOT NULL DEFAULT 0,
            progress_at timestamptz NOT NULL,
            beat_at     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, worker)
        );
        CREATE INDEX consumer_heartbeat_instance ON platform.consumer_heartbeat (instance);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE platform.consumer_heartbeat")
