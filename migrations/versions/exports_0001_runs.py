"""exports: one row per open-data export run (who asked, when, how it went).

Revision ID: exports_0001
"""

from alembic import op

revision = "exports_0001"
down_revision = None
branch_labels = ("exports",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA exports;
        CREATE TABLE exports.export_run (
            export_id    text        PRIMARY KEY,
            status       text        NOT NULL DEFAULT 'running'
                                     CHECK (status IN ('running', 'complete', 'failed')),
            trigger      text        NOT NULL,
            requested_by text        NOT NULL,
            started_at   timestamptz NOT NULL DEFAULT now(),
            finished_at  timestamptz,
            error        text,
            metadata     jsonb
        );
        CREATE INDEX export_run_complete ON exports.export_run (export_id DESC)
            WHERE status = 'complete';
        """
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA exports CASCADE;")
