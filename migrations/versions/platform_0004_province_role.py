"""platform: tokens of provincial human-resources departments (role `province`)

A province token's organisation is the province's GB/T 2260 code; it publishes labour-market
information for that region only.

Revision ID: platform_0004
Revises: platform_0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "platform_0004"
down_revision = "platform_0003"
branch_labels = None
depends_on = None

ROLES_BEFORE = "'ministry', 'evaluation_body', 'organiser', 'admin'"


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE platform.api_token DROP CONSTRAINT api_token_role_check;
        ALTER TABLE platform.api_token ADD CONSTRAINT api_token_role_check
            CHECK (role IN ({ROLES_BEFORE}, 'province'));
        """
    )


def downgrade() -> None:
    op.execute(
        f"""
        UPDATE platform.api_token SET revoked_at = now()
            WHERE role = 'province' AND revoked_at IS NULL;
        ALTER TABLE platform.api_token DROP CONSTRAINT api_token_role_check;
        ALTER TABLE platform.api_token ADD CONSTRAINT api_token_role_check
            CHECK (role IN ({ROLES_BEFORE}) OR revoked_at IS NOT NULL);
        """
    )
