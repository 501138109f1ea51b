"""Read models of the occupations schema: the SQL behind every public GET."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from .store import OCCUPATION_COLUMNS, Conn


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


async def get_many(conn: Conn, codes: list[str]) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {OCCUPATION_COLUMNS} FROM occupations.occupation
        WHERE code = any($1::text[]) ORDER BY level""",
        codes,
    )


async def children(conn: Conn, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {OCCUPATION_COLUMNS} FROM occupations.occupation
        WHERE parent_code = $1 ORDER BY code""",
        code,
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
             FROM occupations.release) AS releases
        """
    )
    assert row is not None
    return dict(row)


RELEASE_COLUMNS = """release_id, seq AS revision, title, kind, published_on, source_note, actor,
    added, amended, retired, applied_at"""


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


async def release_changes(conn: Conn, release_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT code, change, before, after FROM occupations.occupation_change
        WHERE release_id = $1 ORDER BY code""",
        release_id,
    )


async def history(conn: Conn, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT c.release_id, r.seq AS revision, r.published_on, c.change, c.before, c.after
        FROM occupations.occupation_change c JOIN occupations.release r USING (release_id)
        WHERE c.code = $1 ORDER BY r.seq""",
        code,
    )


async def changes_between(conn: Conn, after_seq: int, upto_seq: int) -> list[asyncpg.Record]:
    """Every change of releases applied after `after_seq` up to `upto_seq`, per code in order."""
    return await conn.fetch(
        """SELECT c.code, c.change, c.release_id, c.before, c.after
        FROM occupations.occupation_change c JOIN occupations.release r USING (release_id)
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
               coalesce(x.work_types, '{}') AS work_types,
               coalesce(x.status, 'active') AS status,
               (SELECT a.release_id FROM occupations.occupation_change a
                WHERE a.code = l.code AND a.change = 'added') AS introduced_in,
               l.release_id AS updated_in
        FROM latest l, jsonb_to_record(l.after) AS x(
            code text, level smallint, parent_code text, name_zh text, name_en text,
            definition text, tasks text[], aliases text[], tags text[], work_types text[],
            status text)
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
    """Ranked fuzzy search over code prefix, names and aliases; keyset on (score, code).

    Exact code or name first (1.0), exact alias next (0.95), code prefix (0.9), then
    substrings of a name by how much of it they cover (0.5-0.85), of an alias (0.45), then
    trigram word similarity. Candidates are code-prefix and substring matches, plus fuzzy
    (`<%`) matches for queries of 3+ characters when the direct ones are few; only they are
    scored, on narrow columns, and only the page is joined back to whole rows.
    """
    needle = query.lower()
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return await conn.fetch(
        f"""
        WITH direct AS (
            SELECT code, name_zh, name_en, aliases, search_text FROM occupations.occupation
            WHERE (code LIKE $2 || '%' OR search_text LIKE $3)
              AND ($4::text IS NULL OR code LIKE $4 || '%')
              AND ($5::smallint IS NULL OR level = $5)
              AND ($6::text IS NULL OR tags @> ARRAY[$6])
        ), matches AS (  -- fuzzy only when direct matches are few: it is the costly part
            SELECT * FROM direct
            UNION ALL
            SELECT code, name_zh, name_en, aliases, search_text FROM occupations.occupation
            WHERE $10 AND (SELECT count(*) FROM direct) < 50 AND $1 <% search_text
              AND code NOT IN (SELECT code FROM direct)
              AND ($4::text IS NULL OR code LIKE $4 || '%')
              AND ($5::smallint IS NULL OR level = $5)
              AND ($6::text IS NULL OR tags @> ARRAY[$6])
        ), scored AS (
            SELECT o.code, round((CASE
                WHEN o.code = $2 OR o.name_zh = $11 OR lower(o.name_en) = $1 THEN 1.0
                WHEN o.aliases @> ARRAY[$11] THEN 0.95
                WHEN o.code LIKE $2 || '%' THEN 0.9
                WHEN strpos(o.name_zh, $11) > 0
                    THEN 0.5 + 0.35 * length($11)::float8 / greatest(length(o.name_zh), 1)
                WHEN lower(o.name_en) LIKE $3
                    THEN 0.5 + 0.35 * length($1)::float8 / greatest(length(o.name_en), 1)
                WHEN o.search_text LIKE $3 THEN 0.45
                ELSE 0.8 * word_similarity($1, o.search_text)
            END)::numeric, 4) AS score
            FROM matches o
        ), page AS (
            SELECT code, score FROM scored
            WHERE $7::numeric IS NULL OR score < $7 OR (score = $7 AND code > $8)
            ORDER BY score DESC, code
            LIMIT $9
        )
        SELECT {OCCUPATION_COLUMNS}, page.score::float8 AS score
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
