"""SQL for the occupations schema: applying releases, submissions and dead letters."""

from __future__ import annotations

import asyncpg

from schemas.occupations import OccupationItem, ReleasePublished
from services.platform.db import Connection, Pool

from .domain import State, item_state

Conn = Connection | Pool

OCCUPATION_COLUMNS = """code, level, parent_code, name_zh, name_en, definition, tasks, aliases,
    tags, work_types, status, introduced_in, updated_in"""


async def release_hash(conn: Conn, release_id: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT content_hash FROM occupations.release WHERE release_id = $1", release_id
    )
    return value


async def has_releases(conn: Conn) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT FROM occupations.release)"))


async def existing_levels(conn: Conn, codes: list[str]) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT code, level FROM occupations.occupation WHERE code = any($1::text[])", codes
    )
    return {r["code"]: r["level"] for r in rows}


async def insert_release(
    conn: Conn,
    release: ReleasePublished,
    *,
    content_hash: str,
    event_id: str,
    actor: str,
    amended: int = 0,
    retired: int = 0,
) -> int:
    """Record the release; return its catalogue revision (the order releases applied in)."""
    seq: int = await conn.fetchval(
        """INSERT INTO occupations.release
            (release_id, title, kind, published_on, content_hash, event_id, actor, source_note,
             added, amended, retired)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
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
        amended,
        retired,
    )
    return seq


async def insert_occupations(
    conn: Conn, release_id: str, items: list[OccupationItem], parents: list[str | None]
) -> None:
    """All items in one statement; with their `added` history rows."""
    rows = [item_state(item, parent) for item, parent in zip(items, parents, strict=True)]
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


async def catalogue_states(conn: Conn, codes: list[str]) -> dict[str, State]:
    """The stored state of each of `codes` that exists (active or retired)."""
    rows = await conn.fetch(
        """SELECT code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
                  work_types, status
        FROM occupations.occupation WHERE code = any($1::text[])""",
        codes,
    )
    return {r["code"]: dict(r) for r in rows}


async def active_children(conn: Conn, codes: list[str]) -> dict[str, list[str]]:
    rows = await conn.fetch(
        """SELECT parent_code, array_agg(code ORDER BY code) AS codes
        FROM occupations.occupation
        WHERE parent_code = any($1::text[]) AND status = 'active'
        GROUP BY parent_code""",
        codes,
    )
    return {r["parent_code"]: r["codes"] for r in rows}


async def apply_changes(
    conn: Conn, release_id: str, changes: list[tuple[str, State, State]]
) -> None:
    """Amendments and retirements: new states in one statement, history in another."""
    if not changes:
        return
    rows = [{"change": kind, "before": before, "after": after} for kind, before, after in changes]
    await conn.execute(
        """
        UPDATE occupations.occupation AS o
        SET name_zh = x.name_zh, name_en = x.name_en, definition = x.definition,
            tasks = x.tasks, aliases = x.aliases, tags = x.tags, work_types = x.work_types,
            status = x.status, updated_in = $2
        FROM jsonb_to_recordset($1::jsonb) AS x(
            code text, name_zh text, name_en text, definition text, tasks text[],
            aliases text[], tags text[], work_types text[], status text)
        WHERE o.code = x.code
        """,
        [after for _, _, after in changes],
        release_id,
    )
    await conn.execute(
        """
        INSERT INTO occupations.occupation_change (release_id, code, change, before, after)
        SELECT $2, x.after->>'code', x.change, x.before, x.after
        FROM jsonb_to_recordset($1::jsonb) AS x(change text, before jsonb, after jsonb)
        """,
        rows,
        release_id,
    )


# -- submissions and dead letters ---------------------------------------------------------


async def insert_submission(
    conn: Conn, *, event_id: str, release_id: str, content_hash: str, actor: str, entries: int
) -> None:
    await conn.execute(
        """INSERT INTO occupations.release_submission
            (event_id, release_id, content_hash, actor, entries)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (event_id) DO UPDATE SET submitted_at = clock_timestamp()""",
        event_id,
        release_id,
        content_hash,
        actor,
        entries,
    )


async def delete_submission(conn: Conn, event_id: str) -> None:
    await conn.execute("DELETE FROM occupations.release_submission WHERE event_id = $1", event_id)


async def submissions(conn: Conn, release_id: str) -> list[asyncpg.Record]:
    """Submissions of a release, newest first, each with whether it was dead-lettered."""
    return await conn.fetch(
        """SELECT s.event_id, s.content_hash, s.actor, s.entries, s.submitted_at,
                  d.reason IS NOT NULL AS refused
        FROM occupations.release_submission s
        LEFT JOIN occupations.dead_letter d ON d.event_id = s.event_id
        WHERE s.release_id = $1
        ORDER BY s.submitted_at DESC""",
        release_id,
    )


async def dead_letters_about(conn: Conn, release_id: str) -> list[asyncpg.Record]:
    """Dead letters of events about `release_id`, newest first."""
    return await conn.fetch(
        """SELECT reason, created_at FROM occupations.dead_letter
        WHERE event_subject = $1 ORDER BY id DESC LIMIT 50""",
        release_id,
    )
