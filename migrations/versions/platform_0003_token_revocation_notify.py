"""platform: revoking (or deleting) an API token notifies every process at once

Processes cache token look-ups; a trigger sends `platform_token_revoked` with the token's hash
whenever one is revoked or deleted, however that happens (CLI, API, psql), and each process
drops its cached entries on hearing it.

Revision ID: platform_0003
Revises: platform_0002
Create Date: 2026-12-01
"""

from alembic import op

revision = "platform_0003"
down_revision = "platform_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION platform.notify_token_revoked() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('platform_token_revoked', encode(OLD.token_hash, 'hex'));
            RETURN NULL;
        END $$;
        CREATE TRIGGER token_revoked AFTER UPDATE OF revoked_at ON platform.api_token
            FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at)
            EXECUTE FUNCTION platform.notify_token_revoked();
        CREATE TRIGGER token_deleted AFTER DELETE ON platform.api_token
            FOR EACH ROW EXECUTE FUNCTION platform.notify_token_revoked();
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER token_deleted ON platform.api_token;
        DROP TRIGGER token_revoked ON platform.api_token;
        DROP FUNCTION platform.notify_token_revoked();
        """
    )
