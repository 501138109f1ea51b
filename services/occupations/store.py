"""SQL for the occupations schema: release application and read models."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from schemas.occupations import OccupationItem, ReleasePublished
from services.platform.db import Connection, Pool

Conn = Connection | Pool

OCCUPATION_COLUMNS = """code, level, parent_code, name_zh, name_en, definition, tasks, aliases,
    tags, work_types, status, introduced_in, updated_in"""


async def release_hash(conn: Conn, release_id: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT content_hash FROM occupations.release WHERE release_id = $1", release_id
    )
    return value


async def existing_levels(conn: Conn, codes: list[str]) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT code, level FROM occupations.occupation WHERE code = any($1::text[])", codes
    )
    return {r["code"]: r["level"] for r in rows}


async def insert_release(
    conn: Conn, release: ReleasePublished, *, content_hash: str, event_id: str, actor: str
) -> int:
    """Record the release; return its catalogue revision (the order releases applied in)."""
    seq: int = await conn.fetchval(
        """INSERT INTO occupations.release
            (release_id, title, kind, published_on, content_hash, event_id, actor, source_note,
             added)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING seq""",
        release.release_id,
        release.title,
        release.kind,
        release.published_on,
        content_hash,
        event_id,
        actor,
        release.source_note,
        len(release.items),
    )
    return seq


async def insert_occupations(
    conn: Conn, release_id: str, items: list[OccupationItem], parents: list[str | None]
) -> None:
    """All items in one statement; with their `added` history rows."""
    rows = [
        msgspec.structs.asdict(item) | {"parent_code": parent}
        for item, parent in zip(items, parents, strict=True)
    ]
    await conn.execute(
        """
        INSERT INTO occupations.occupation
            (code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
             work_types, introduced_in, updated_in)
        SELECT code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
               work_types, $2, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(
            code text, level smallint, parent_code text, name_zh text, name_en text,
            definition text, tasks text[], aliases text[], tags text[], work_types text[])
        ORDER BY level, code
        """,
        rows,
        release_id,
    )
    await conn.execute(
        """
        INSERT INTO occupations.occupation_change (release_id, code, change, after)
        SELECT $2, x->>'code', 'added', x FROM jsonb_array_elements($1::jsonb) AS x
        """,
        rows,
        release_id,
    )


# -- read models --------------------------------------------------------------------------


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
