"""platform: API tokens

Revision ID: platform_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA platform;
        CREATE TABLE platform.api_token (
            id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            token_hash   bytea       NOT NULL UNIQUE,
            role         text        NOT NULL
                CHECK (role IN ('ministry', 'evaluation_body', 'organiser', 'admin')),
            organisation text        NOT NULL,
            label        text        NOT NULL DEFAULT '',
            created_at   timestamptz NOT NULL DEFAULT now(),
            revoked_at   timestamptz
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA platform CASCADE")
