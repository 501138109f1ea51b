"""Read models of the occupations schema: the SQL behind every public GET."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from ..pinyin import KEEP as KEEP_PINYIN
from ..pinyin import LATIN
from ..store import OCCUPATION_COLUMNS, WORK_TYPE_COLUMNS, Conn


async def list_occupations(
    conn: Conn,
    *,
    prefix: str | None,
    level: int | None,
    tag: str | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""
        SELECT {OCCUPATION_COLUMNS} FROM occupations.occupation
        WHERE ($1::text IS NULL OR code LIKE $1 || '%')
          AND ($2::smallint IS NULL OR level = $2)
          AND ($3::text IS NULL OR tags @> ARRAY[$3])
          AND ($4::text IS NULL OR code > $4)
        ORDER BY code
        LIMIT $5
        """,
        prefix,
        level,
        tag,
        after,
        limit,
    )


async def get_occupation(conn: Conn, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {OCCUPATION_COLUMNS} FROM occupations.occupation WHERE code = $1", code
    )


REF_COLUMNS = "code, level, name_zh, name_en, tags, status, invented"


async def occupation_detail(conn: Conn, code: str, ancestors: list[str]) -> asyncpg.Record | None:
    """An occupation with its parent chain, children and work types, in one statement: the
    three lists come back as JSON arrays (`parent_refs`, `child_refs`, `work_type_rows`)."""
    return await conn.fetchrow(
        f"""
        SELECT {OCCUPATION_COLUMNS},
          (SELECT coalesce(json_agg(p ORDER BY p.level), '[]') FROM
            (SELECT {REF_COLUMNS} FROM occupations.occupation WHERE code = any($2::text[])) p
          ) AS parent_refs,
          (SELECT coalesce(json_agg(c ORDER BY c.code), '[]') FROM
            (SELECT {REF_COLUMNS} FROM occupations.occupation WHERE parent_code = $1) c
          ) AS child_refs,
          (SELECT coalesce(json_agg(w ORDER BY w.code), '[]') FROM
            (SELECT {WORK_TYPE_COLUMNS} FROM occupations.work_type WHERE occupation_code = $1) w
          ) AS work_type_rows
        FROM occupations.occupation WHERE code = $1
        """,
        code,
        ancestors,
    )


async def stats(conn: Conn) -> dict[str, Any]:
    row = await conn.fetchrow(
        """
        SELECT
          (SELECT coalesce(jsonb_object_agg(level, n), '{}') FROM
             (SELECT level, count(*) AS n FROM occupations.occupation
              WHERE status = 'active' GROUP BY level) l) AS by_level,
          (SELECT coalesce(jsonb_object_agg(tag, n), '{}') FROM
             (SELECT tag, count(*) AS n FROM occupations.occupation, unnest(tags) AS tag
              WHERE status = 'active' AND level = 4 GROUP BY tag) t) AS by_tag,
          (SELECT count(*) FROM occupations.occupation WHERE status = 'retired') AS retired,
          (SELECT coalesce(jsonb_agg(release_id ORDER BY applied_at), '[]')
             FROM occupations.release) AS releases,
          (SELECT count(*) FROM occupations.occupation
           WHERE status = 'active' AND level = 4 AND invented <> '{}') AS invented_occupations,
          (SELECT count(*) FROM occupations.work_type WHERE status = 'active') AS work_types,
          (SELECT release_id FROM occupations.release WHERE kind = 'baseline')
              AS baseline_release,
          (SELECT count(*) FROM occupations.occupation_change c
             JOIN occupations.release r USING (release_id)
           WHERE r.kind = 'baseline' AND c.change = 'added' AND (c.after->>'level') = '4')
              AS baseline_occupations
        """
    )
    assert row is not None
    return dict(row)


async def later_releases(conn: Conn) -> list[asyncpg.Record]:
    """Releases applied after the baseline (proposals apart), with what each added and whether
    any of it is invented."""
    return await conn.fetch(
        """
        SELECT r.release_id, r.title, r.kind, r.published_on,
               r.added AS occupations_added, r.work_types_added,
               EXISTS (SELECT FROM occupations.occupation_change c
                       WHERE c.release_id = r.release_id
                         AND jsonb_array_length(coalesce(c.after->'invented', '[]')) > 0)
               OR EXISTS (SELECT FROM occupations.work_type_change c
                          WHERE c.release_id = r.release_id
                            AND jsonb_array_length(coalesce(c.after->'invented', '[]')) > 0)
                   AS invented
        FROM occupations.release r
        WHERE r.kind NOT IN ('baseline', 'proposal')
        ORDER BY r.seq
        """
    )


RELEASE_COLUMNS = """release_id, seq AS revision, title, kind, published_on, source_note, actor,
    added, amended, retired, applied_at, work_types_added, work_types_amended,
    work_types_retired, comment_until, supersedes, published_figures, import_report,
    (SELECT s.release_id FROM occupations.release s WHERE s.supersedes = release.release_id)
        AS superseded_by"""


async def list_releases(conn: Conn, *, after: int | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {RELEASE_COLUMNS} FROM occupations.release
        WHERE ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2""",
        after,
        limit,
    )


async def get_release(conn: Conn, release_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {RELEASE_COLUMNS} FROM occupations.release WHERE release_id = $1", release_id
    )


async def release_changes(
    conn: Conn, release_id: str, entity: str = "occupation"
) -> list[asyncpg.Record]:
    """What a release changed (`occupation` or `work_type`); for a proposal, what it proposed."""
    table = {"occupation": "occupation_change", "work_type": "work_type_change"}[entity]
    return await conn.fetch(
        f"""SELECT code, change, before, after FROM occupations.{table}
        WHERE release_id = $1
        UNION ALL
        SELECT code, change, before, after FROM occupations.proposed_change
        WHERE release_id = $1 AND entity = $2
        ORDER BY code""",
        release_id,
        entity,
    )


HISTORY_TABLES = {"occupation": "occupation_change", "work_type": "work_type_change"}


async def history(conn: Conn, code: str, entity: str = "occupation") -> list[asyncpg.Record]:
    """Every release that introduced or changed an occupation (or a work type)."""
    return await conn.fetch(
        f"""SELECT c.release_id, r.seq AS revision, r.published_on, c.change, c.before, c.after
        FROM occupations.{HISTORY_TABLES[entity]} c JOIN occupations.release r USING (release_id)
        WHERE c.code = $1 ORDER BY r.seq""",
        code,
    )


async def changes_between(
    conn: Conn, after_seq: int, upto_seq: int, entity: str = "occupation"
) -> list[asyncpg.Record]:
    """Every change of releases applied after `after_seq` up to `upto_seq`, per code in order."""
    return await conn.fetch(
        f"""SELECT c.code, c.change, c.release_id, c.before, c.after
        FROM occupations.{HISTORY_TABLES[entity]} c JOIN occupations.release r USING (release_id)
        WHERE r.seq > $1 AND r.seq <= $2
        ORDER BY c.code, r.seq""",
        after_seq,
        upto_seq,
    )


async def occupations_as_of(
    conn: Conn,
    revision: int,
    *,
    prefix: str | None,
    level: int | None,
    tag: str | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """The catalogue as it stood once release `revision` had applied, from the change history."""
    return await conn.fetch(
        """
        WITH latest AS (
            SELECT DISTINCT ON (c.code) c.code, c.after, c.release_id
            FROM occupations.occupation_change c JOIN occupations.release r USING (release_id)
            WHERE r.seq <= $1
              AND ($2::text IS NULL OR c.code LIKE $2 || '%')
              AND ($5::text IS NULL OR c.code > $5)
            ORDER BY c.code, r.seq DESC
        )
        SELECT x.code, x.level, x.parent_code, x.name_zh, x.name_en,
               coalesce(x.definition, '') AS definition, coalesce(x.tasks, '{}') AS tasks,
               coalesce(x.aliases, '{}') AS aliases, coalesce(x.tags, '{}') AS tags,
               ARRAY(  -- its work types active at that revision
                   SELECT t.code FROM (
                       SELECT DISTINCT ON (w.code) w.code, w.after->>'status' AS status
                       FROM occupations.work_type_change w
                       JOIN occupations.release wr USING (release_id)
                       WHERE wr.seq <= $1 AND w.code LIKE l.code || '-%'
                       ORDER BY w.code, wr.seq DESC
                   ) t WHERE t.status IS DISTINCT FROM 'retired' ORDER BY t.code
               ) AS work_types,
               coalesce(x.status, 'active') AS status,
               (SELECT a.release_id FROM occupations.occupation_change a
                WHERE a.code = l.code AND a.change = 'added') AS introduced_in,
               l.release_id AS updated_in,
               coalesce(x.invented, '{}') AS invented, x.name_en_source
        FROM latest l, jsonb_to_record(l.after) AS x(
            code text, level smallint, parent_code text, name_zh text, name_en text,
            definition text, tasks text[], aliases text[], tags text[], status text,
            invented text[], name_en_source text)
        WHERE ($3::smallint IS NULL OR x.level = $3)
          AND ($4::text IS NULL OR x.tags @> ARRAY[$4])
        ORDER BY l.code
        LIMIT $6
        """,
        revision,
        prefix,
        level,
        tag,
        after,
        limit,
    )


async def search(
    conn: Conn,
    query: str,
    *,
    code_prefix: str | None,
    prefix: str | None,
    level: int | None,
    tag: str | None,
    after: tuple[Decimal, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Ranked fuzzy search over code prefix, names, aliases, their pinyin and work types;
    keyset on (score, code).

    Exact code or name first (1.0), exact alias next (0.95), the name's pinyin in full or by
    initials (0.93), code prefix (0.9), the exact name of one of its work types (0.88), then
    substrings of a name by how much of it they cover (0.5-0.85), of the name's pinyin
    (0.5-0.8), of a work type (0.46), of an alias (0.45), then trigram word similarity.
    Candidates are code-prefix and substring matches (names and pinyin in `search_text`, work
    types in `work_type_text`, both trigram-indexed), plus fuzzy (`<%`) matches for queries of
    3+ characters when the direct ones are few; only they are scored, on narrow columns, and
    only the page is joined back to whole rows. `matched_work_type` names the work type a
    match came from when the occupation's own names do not contain the query.
    """
    needle = query.lower()
    # Pinyin is matched without spaces or tones (`Shu Kong` → `shukong`); only Latin queries.
    pinyin = KEEP_PINYIN.sub("", needle) if LATIN.fullmatch(needle) else None
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return await conn.fetch(
        f"""
        WITH direct AS (
            SELECT code, name_zh, name_en, aliases, name_pinyin, search_text, work_type_search,
                   work_type_text
            FROM occupations.occupation
            WHERE (code LIKE $2 || '%' OR search_text LIKE $3 OR work_type_text LIKE $3
                   OR search_text LIKE $13 OR work_type_text LIKE $13)
              AND ($4::text IS NULL OR code LIKE $4 || '%')
              AND ($5::smallint IS NULL OR level = $5)
              AND ($6::text IS NULL OR tags @> ARRAY[$6])
        ), matches AS (  -- fuzzy only when direct matches are few: it is the costly part
            SELECT * FROM direct
            UNION ALL
            SELECT code, name_zh, name_en, aliases, name_pinyin, search_text, work_type_search,
                   work_type_text
            FROM occupations.occupation
            WHERE $10 AND (SELECT count(*) FROM direct) < 50 AND $1 <% search_text
              AND code NOT IN (SELECT code FROM direct)
              AND ($4::text IS NULL OR code LIKE $4 || '%')
              AND ($5::smallint IS NULL OR level = $5)
              AND ($6::text IS NULL OR tags @> ARRAY[$6])
        ), keyed AS (
            SELECT o.*, split_part(o.name_pinyin, ' ', 1) AS full_pinyin,
                   coalesce(nullif(split_part(o.name_pinyin, ' ', 2), ''),
                            split_part(o.name_pinyin, ' ', 1)) AS initials,
                   (SELECT split_part(w, '|', 1) FROM unnest(o.work_type_search) AS w
                    WHERE string_to_array(w, '|') && ARRAY[$1, $12] LIMIT 1) AS exact_work_type,
                   CASE WHEN NOT (o.search_text LIKE $3
                                  OR coalesce(o.search_text LIKE $13, false)
                                  OR coalesce(o.code LIKE $2 || '%', false)) THEN
                       (SELECT split_part(w, '|', 1) FROM unnest(o.work_type_search) AS w
                        WHERE w LIKE $3 OR w LIKE $13 LIMIT 1)
                   END AS work_type_match
            FROM matches o
        ), scored AS (
            SELECT o.code, coalesce(o.exact_work_type, o.work_type_match) AS work_type,
                   round((CASE
                WHEN o.code = $2 OR o.name_zh = $11 OR lower(o.name_en) = $1 THEN 1.0
                WHEN o.aliases @> ARRAY[$11] THEN 0.95
                WHEN $12 IN (o.full_pinyin, o.initials) THEN 0.93
                WHEN o.code LIKE $2 || '%' THEN 0.9
                WHEN o.exact_work_type IS NOT NULL THEN 0.88
                WHEN strpos(o.name_zh, $11) > 0
                    THEN 0.5 + 0.35 * length($11)::float8 / greatest(length(o.name_zh), 1)
                WHEN lower(o.name_en) LIKE $3
                    THEN 0.5 + 0.35 * length($1)::float8 / greatest(length(o.name_en), 1)
                WHEN o.full_pinyin LIKE $13
                    THEN 0.5 + 0.3 * length($12)::float8 / greatest(length(o.full_pinyin), 1)
                WHEN o.initials LIKE $13
                    THEN 0.5 + 0.3 * length($12)::float8 / greatest(length(o.initials), 1)
                WHEN o.work_type_match IS NOT NULL THEN 0.46
                WHEN o.search_text LIKE $3 THEN 0.45
                ELSE 0.8 * word_similarity($1, o.search_text)
            END)::numeric, 4) AS score
            FROM keyed o
        ), page AS (
            SELECT code, score, work_type FROM scored
            WHERE $7::numeric IS NULL OR score < $7 OR (score = $7 AND code > $8)
            ORDER BY score DESC, code
            LIMIT $9
        )
        SELECT {OCCUPATION_COLUMNS}, page.score::float8 AS score,
               page.work_type AS matched_work_type,
               (SELECT w.name_zh FROM occupations.work_type w WHERE w.code = page.work_type)
                   AS matched_work_type_zh,
               (SELECT w.name_en FROM occupations.work_type w WHERE w.code = page.work_type)
                   AS matched_work_type_en
        FROM page JOIN occupations.occupation USING (code)
        ORDER BY page.score DESC, code
        """,
        needle,
        code_prefix,
        like,
        prefix,
        level,
        tag,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        len(needle) >= 3,
        query,
        pinyin,
        None if pinyin is None else f"%{pinyin}%",
    )


async def search_raw(conn: Conn, query: str, limit: int = 20) -> list[asyncpg.Record]:
    """The bare trigram query the search endpoint builds on: the benchmark's SQL baseline."""
    return await conn.fetch(
        """SELECT code, name_zh, word_similarity($1, search_text) AS score
        FROM occupations.occupation WHERE $1 <% search_text
        ORDER BY score DESC, code LIMIT $2""",
        query.lower(),
        limit,
    )
