"""occupations: work types as entities, pinyin search keys, proposals, release reports

Revision ID: occupations_0005
Revises: occupations_0004
Create Date: 2026-12-01
"""

from alembic import op
from sqlalchemy import text

from services.occupations.pinyin import many_keys, pinyin_keys, work_type_key

revision = "occupations_0005"
down_revision = "occupations_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        -- Work types (工种): entities with their own history, like occupations.
        CREATE TABLE occupations.work_type (
            code            text COLLATE "C" PRIMARY KEY,
            occupation_code text COLLATE "C" NOT NULL
                REFERENCES occupations.occupation (code),
            name_zh         text,  -- null only for work types early releases listed by code
            name_en         text,
            name_en_source  text,
            definition      text   NOT NULL DEFAULT '',
            invented        text[] NOT NULL DEFAULT '{}',
            status          text   NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'retired')),
            introduced_in   text   NOT NULL REFERENCES occupations.release (release_id),
            updated_in      text   NOT NULL REFERENCES occupations.release (release_id)
        );
        CREATE INDEX work_type_occupation ON occupations.work_type (occupation_code, code);
        CREATE TABLE occupations.work_type_change (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            release_id text   NOT NULL REFERENCES occupations.release (release_id),
            code       text COLLATE "C" NOT NULL,
            change     text   NOT NULL CHECK (change IN ('added', 'amended', 'retired')),
            before     jsonb,
            after      jsonb  NOT NULL,
            UNIQUE (release_id, code)
        );
        CREATE INDEX work_type_change_code ON occupations.work_type_change (code, id);
        CREATE INDEX work_type_change_release ON occupations.work_type_change (release_id);

        -- A proposal (public-comment draft) changes nothing: what it proposed is kept here.
        CREATE TABLE occupations.proposed_change (
            release_id text NOT NULL REFERENCES occupations.release (release_id),
            entity     text NOT NULL CHECK (entity IN ('occupation', 'work_type')),
            code       text COLLATE "C" NOT NULL,
            change     text NOT NULL CHECK (change IN ('added', 'amended', 'retired')),
            before     jsonb,
            after      jsonb NOT NULL,
            PRIMARY KEY (release_id, entity, code)
        );

        ALTER TABLE occupations.release
            ADD COLUMN work_types_added   integer NOT NULL DEFAULT 0,
            ADD COLUMN work_types_amended integer NOT NULL DEFAULT 0,
            ADD COLUMN work_types_retired integer NOT NULL DEFAULT 0,
            ADD COLUMN comment_until      date,
            ADD COLUMN supersedes         text UNIQUE
                REFERENCES occupations.release (release_id),
            ADD COLUMN published_figures  jsonb,
            ADD COLUMN import_report      jsonb;

        ALTER TABLE occupations.occupation
            ADD COLUMN invented         text[] NOT NULL DEFAULT '{}',
            ADD COLUMN name_en_source   text,
            ADD COLUMN name_pinyin      text   NOT NULL DEFAULT '',
            ADD COLUMN alias_pinyin     text   NOT NULL DEFAULT '',
            ADD COLUMN work_type_search text[] NOT NULL DEFAULT '{}';

        -- Work types an occupation listed by code alone become entities of their own.
        INSERT INTO occupations.work_type (code, occupation_code, introduced_in, updated_in)
        SELECT wt, o.code, o.updated_in, o.updated_in
        FROM occupations.occupation o, unnest(o.work_types) AS wt
        ON CONFLICT DO NOTHING;
        INSERT INTO occupations.work_type_change (release_id, code, change, after)
        SELECT w.introduced_in, w.code, 'added', jsonb_build_object(
            'code', w.code, 'occupation_code', w.occupation_code, 'status', 'active')
        FROM occupations.work_type w;
        """
    )
    backfill_search_keys()
    op.execute(
        """
        -- Search text now holds pinyin too (full and initials); work types get their own
        -- column so a match can say it came from a work type. Both trigram-indexed.
        DROP INDEX occupations.occupation_search;
        ALTER TABLE occupations.occupation DROP COLUMN search_text;
        DROP FUNCTION occupations.search_text(text, text, text[]);
        -- Tags are searchable by their names too (数字职业 / digital, 绿色职业 / green).
        CREATE FUNCTION occupations.search_text(
            name_zh text, name_en text, aliases text[], name_pinyin text, alias_pinyin text,
            tags text[])
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT lower(name_zh || ' ' || coalesce(name_en, '') || ' '
                           || array_to_string(aliases, ' ') || ' ' || name_pinyin || ' '
                           || alias_pinyin || ' ' || array_to_string(ARRAY(
                               SELECT CASE t
                                   WHEN 'digital' THEN '数字职业 digital shuzizhiye szzy'
                                   WHEN 'green' THEN '绿色职业 green lvsezhiye lszy'
                               END
                               FROM unnest(tags) AS t), ' ')) $$;
        CREATE FUNCTION occupations.work_type_text(keys text[])
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT array_to_string(keys, ' ') $$;
        ALTER TABLE occupations.occupation
            ADD COLUMN search_text text GENERATED ALWAYS AS (occupations.search_text(
                name_zh, name_en, aliases, name_pinyin, alias_pinyin, tags)) STORED,
            ADD COLUMN work_type_text text GENERATED ALWAYS AS (
                occupations.work_type_text(work_type_search)) STORED;
        CREATE INDEX occupation_search ON occupations.occupation
            USING gin (search_text gin_trgm_ops);
        CREATE INDEX occupation_work_type_search ON occupations.occupation
            USING gin (work_type_text gin_trgm_ops);
        """
    )


def backfill_search_keys() -> None:
    """Pinyin of what is already loaded (a new catalogue gets it as releases apply)."""
    bind = op.get_bind()
    rows = bind.execute(text("SELECT code, name_zh, aliases FROM occupations.occupation"))
    keys = [
        {"code": code, "name": pinyin_keys(name), "aliases": many_keys(aliases)}
        for code, name, aliases in rows
    ]
    work_types = bind.execute(
        text("SELECT code, occupation_code, name_zh, name_en FROM occupations.work_type")
    )
    lines: dict[str, list[str]] = {}
    for code, occupation, name_zh, name_en in work_types:
        lines.setdefault(occupation, []).append(
            work_type_key({"code": code, "name_zh": name_zh, "name_en": name_en})
        )
    if keys:
        bind.execute(
            text(
                """UPDATE occupations.occupation SET name_pinyin = :name,
                   alias_pinyin = :aliases WHERE code = :code"""
            ),
            keys,
        )
    if lines:
        bind.execute(
            text("UPDATE occupations.occupation SET work_type_search = :lines WHERE code = :code"),
            [{"code": code, "lines": value} for code, value in lines.items()],
        )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX occupations.occupation_work_type_search;
        DROP INDEX occupations.occupation_search;
        ALTER TABLE occupations.occupation DROP COLUMN work_type_text, DROP COLUMN search_text;
        DROP FUNCTION occupations.work_type_text(text[]);
        DROP FUNCTION occupations.search_text(text, text, text[], text, text, text[]);
        CREATE FUNCTION occupations.search_text(name_zh text, name_en text, aliases text[])
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT lower(name_zh || ' ' || coalesce(name_en, '') || ' '
                           || array_to_string(aliases, ' ')) $$;
        ALTER TABLE occupations.occupation ADD COLUMN search_text text
            GENERATED ALWAYS AS (occupations.search_text(name_zh, name_en, aliases)) STORED;
        CREATE INDEX occupation_search ON occupations.occupation
            USING gin (search_text gin_trgm_ops);
        ALTER TABLE occupations.occupation
            DROP COLUMN invented, DROP COLUMN name_en_source, DROP COLUMN name_pinyin,
            DROP COLUMN alias_pinyin, DROP COLUMN work_type_search;
        ALTER TABLE occupations.release
            DROP COLUMN work_types_added, DROP COLUMN work_types_amended,
            DROP COLUMN work_types_retired, DROP COLUMN comment_until, DROP COLUMN supersedes,
            DROP COLUMN published_figures, DROP COLUMN import_report;
        DROP TABLE occupations.proposed_change;
        DROP TABLE occupations.work_type_change;
        DROP TABLE occupations.work_type;
        """
    )
