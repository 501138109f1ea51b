"""Read models of work types (工种): the SQL behind the work-type GETs."""

from __future__ import annotations

import asyncpg

from ..store import WORK_TYPE_COLUMNS, Conn


async def list_work_types(
    conn: Conn, *, occupation: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {WORK_TYPE_COLUMNS} FROM occupations.work_type
        WHERE ($1::text IS NULL OR occupation_code = $1)
          AND ($2::text IS NULL OR code > $2)
        ORDER BY code LIMIT $3""",
        occupation,
        after,
        limit,
    )


async def get_work_type(conn: Conn, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {WORK_TYPE_COLUMNS} FROM occupations.work_type WHERE code = $1", code
    )


async def work_types_as_of(
    conn: Conn, revision: int, *, occupation: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    """Work types as they stood once release `revision` had applied, from their history."""
    return await conn.fetch(
        """
        WITH latest AS (
            SELECT DISTINCT ON (c.code) c.code, c.after, c.release_id
            FROM occupations.work_type_change c JOIN occupations.release r USING (release_id)
            WHERE r.seq <= $1
              AND ($2::text IS NULL OR c.code LIKE $2 || '-%')
              AND ($3::text IS NULL OR c.code > $3)
            ORDER BY c.code, r.seq DESC
        )
        SELECT l.code, coalesce(x.occupation_code, left(l.code, -3)) AS occupation_code,
               x.name_zh, x.name_en, x.name_en_source,
               coalesce(x.definition, '') AS definition, coalesce(x.invented, '{}') AS invented,
               coalesce(x.status, 'active') AS status,
               (SELECT a.release_id FROM occupations.work_type_change a
                WHERE a.code = l.code AND a.change = 'added') AS introduced_in,
               l.release_id AS updated_in
        FROM latest l, jsonb_to_record(l.after) AS x(
            occupation_code text, name_zh text, name_en text, name_en_source text,
            definition text, invented text[], status text)
        ORDER BY l.code
        LIMIT $4
        """,
        revision,
        occupation,
        after,
        limit,
    )
