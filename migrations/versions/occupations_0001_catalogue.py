"""occupations: releases, catalogue, change history

Revision ID: occupations_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from migrations.bus_tables import bus_tables

revision = "occupations_0001"
down_revision = None
branch_labels = ("occupations",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA occupations;
        CREATE TABLE occupations.release (
            release_id   text        PRIMARY KEY,
            seq          bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
            title        text        NOT NULL,
            kind         text        NOT NULL,
            published_on date        NOT NULL,
            content_hash text        NOT NULL,
            event_id     text        NOT NULL,
            actor        text        NOT NULL,
            source_note  text        NOT NULL DEFAULT '',
            added        integer     NOT NULL DEFAULT 0,
            amended      integer     NOT NULL DEFAULT 0,
            retired      integer     NOT NULL DEFAULT 0,
            applied_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE occupations.occupation (
            code          text COLLATE "C" PRIMARY KEY,
            level         smallint    NOT NULL CHECK (level BETWEEN 1 AND 4),
            parent_code   text COLLATE "C" REFERENCES occupations.occupation (code),
            name_zh       text        NOT NULL,
            name_en       text,
            definition    text        NOT NULL DEFAULT '',
            tasks         text[]      NOT NULL DEFAULT '{}',
            aliases       text[]      NOT NULL DEFAULT '{}',
            tags          text[]      NOT NULL DEFAULT '{}',
            work_types    text[]      NOT NULL DEFAULT '{}',
            status        text        NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'retired')),
            introduced_in text        NOT NULL REFERENCES occupations.release (release_id),
            updated_in    text        NOT NULL REFERENCES occupations.release (release_id)
        );
        CREATE INDEX occupation_parent ON occupations.occupation (parent_code);
        CREATE INDEX occupation_level ON occupations.occupation (level, code);
        CREATE INDEX occupation_tags ON occupations.occupation USING gin (tags);
        CREATE TABLE occupations.occupation_change (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            release_id text   NOT NULL REFERENCES occupations.release (release_id),
            code       text COLLATE "C" NOT NULL,
            change     text   NOT NULL CHECK (change IN ('added', 'amended', 'retired')),
            before     jsonb,
            after      jsonb  NOT NULL,
            UNIQUE (release_id, code)
        );
        CREATE INDEX occupation_change_code ON occupations.occupation_change (code, id);
        """
        + bus_tables("occupations")
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA occupations CASCADE")
