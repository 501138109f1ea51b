"""platform: a version per read model, bumped by every transaction that changes it

HTTP processes cache encoded public reads keyed by these versions (services/platform/cache.py).
A statement trigger on each table of the cached schemas bumps its schema's version inside the
writing transaction (once per transaction), so the new version is visible exactly when the
change is: whatever wrote it (a consumer, an HTTP handler, an import), no cached read is ever
served stale once the write has committed. The bus's own tables change nothing readers see,
nor does the labour statistics' own cache (written by reads).

Revision ID: platform_0005
Revises: platform_0004
Create Date: 2026-12-01
"""

from alembic import op

from migrations.read_models import read_model_triggers

revision = "platform_0005"
down_revision = "platform_0004"
branch_labels = None
depends_on = ("occupations_0005", "competitions_0008", "labour_0001")

SCHEMAS = ("occupations", "competitions", "labour")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE platform.read_model_version (
            schema text PRIMARY KEY,
            version bigint NOT NULL DEFAULT 0
        );
        CREATE FUNCTION platform.bump_read_model() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Once per transaction (and schema): the row stays locked only until commit.
            IF current_setting('skillsreg.bumped_' || TG_TABLE_SCHEMA, true)
                    IS DISTINCT FROM 'yes' THEN
                UPDATE platform.read_model_version SET version = version + 1
                    WHERE schema = TG_TABLE_SCHEMA;
                PERFORM set_config('skillsreg.bumped_' || TG_TABLE_SCHEMA, 'yes', true);
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    for schema in SCHEMAS:
        op.execute(f"INSERT INTO platform.read_model_version (schema) VALUES ('{schema}')")
        op.execute(read_model_triggers(schema))


def downgrade() -> None:
    op.execute(
        """
        DROP FUNCTION platform.bump_read_model() CASCADE;
        DROP TABLE platform.read_model_version;
        """
    )
