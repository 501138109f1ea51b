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
    substring matches by how much of the name they cover, then trigram similarity. Candidates
    come from the trigram index, so only they are scored.
    """
    needle = query.lower()
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return await conn.fetch(
        f"""
        WITH candidates AS (
            SELECT * FROM occupations.occupation o
            WHERE (($2::text IS NOT NULL AND o.code LIKE $2 || '%')
                   OR o.search_text LIKE $3
                   OR $1 <% o.search_text)
              AND ($4::text IS NULL OR o.code LIKE $4 || '%')
              AND ($5::smallint IS NULL OR o.level = $5)
              AND ($6::text IS NULL OR o.tags @> ARRAY[$6])
        ), scored AS (
            SELECT c.*, round(greatest(
                CASE WHEN c.code = $2 OR lower(c.name_zh) = $1 OR lower(c.name_en) = $1
                     THEN 1.0 ELSE 0 END,
                CASE WHEN $1 = ANY (SELECT lower(a) FROM unnest(c.aliases) a) THEN 0.95 ELSE 0 END,
                CASE WHEN c.code LIKE $2 || '%' THEN 0.9 ELSE 0 END,
                CASE WHEN lower(c.name_zh) LIKE $3 OR lower(c.name_en) LIKE $3
                     THEN 0.5 + 0.35 * length($1)::numeric
                          / greatest(length(c.name_zh), length(coalesce(c.name_en, '')), 1)
                     ELSE 0 END,
                CASE WHEN c.search_text LIKE $3 THEN 0.45 ELSE 0 END,
                0.8 * word_similarity($1, c.search_text)
            )::numeric, 4) AS score
            FROM candidates c
        )
        SELECT {OCCUPATION_COLUMNS}, score::float8 AS score FROM scored
        WHERE $7::numeric IS NULL OR score < $7 OR (score = $7 AND code > $8)
        ORDER BY score DESC, code
        LIMIT $9
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
