"""occupations: trigram search, release submissions

Revision ID: occupations_0002
Revises: occupations_0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "occupations_0002"
down_revision = "occupations_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        -- One lower-cased text of every name an occupation goes by, for trigram search.
        CREATE FUNCTION occupations.search_text(name_zh text, name_en text, aliases text[])
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT lower(name_zh || ' ' || coalesce(name_en, '') || ' '
                           || array_to_string(aliases, ' ')) $$;
        ALTER TABLE occupations.occupation ADD COLUMN search_text text
            GENERATED ALWAYS AS (occupations.search_text(name_zh, name_en, aliases)) STORED;
        CREATE INDEX occupation_search ON occupations.occupation
            USING gin (search_text gin_trgm_ops);

        -- What the API accepted and published; the release table says what applied and the
        -- dead-letter table what was refused.
        CREATE TABLE occupations.release_submission (
            event_id     text        PRIMARY KEY,
            release_id   text        NOT NULL,
            content_hash text        NOT NULL,
            actor        text        NOT NULL,
            entries      integer     NOT NULL,
            submitted_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX release_submission_release
            ON occupations.release_submission (release_id, submitted_at);
        CREATE INDEX occupation_change_release ON occupations.occupation_change (release_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX occupations.occupation_change_release;
        DROP TABLE occupations.release_submission;
        DROP INDEX occupations.occupation_search;
        ALTER TABLE occupations.occupation DROP COLUMN search_text;
        DROP FUNCTION occupations.search_text(text, text, text[]);
        """
    )
