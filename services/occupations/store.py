"""SQL for the occupations schema: applying releases, submissions and dead letters."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from schemas.occupations import ReleasePublished
from services.platform.db import Connection, Pool

from .domain.occupations import State, change_rows
from .pinyin import keys_of, many_keys, work_type_key

Conn = Connection | Pool

OCCUPATION_COLUMNS = """code, level, parent_code, name_zh, name_en, definition, tasks, aliases,
    tags, work_types, status, introduced_in, updated_in, invented, name_en_source"""
WORK_TYPE_COLUMNS = """code, occupation_code, name_zh, name_en, name_en_source, definition,
    invented, status, introduced_in, updated_in"""


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
    counts: dict[str, int],
) -> int:
    """Record the release; return its catalogue revision (the order releases applied in).

    `counts` holds added/amended/retired for occupations and `work_types_…` for work types.
    """
    seq: int = await conn.fetchval(
        """INSERT INTO occupations.release
            (release_id, title, kind, published_on, content_hash, event_id, actor, source_note,
             added, amended, retired, work_types_added, work_types_amended, work_types_retired,
             comment_until, supersedes, published_figures, import_report)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                $17::jsonb, $18::jsonb)
        RETURNING seq""",
        release.release_id,
        release.title,
        release.kind,
        release.published_on,
        content_hash,
        event_id,
        actor,
        release.source_note,
        counts.get("added", 0),
        counts.get("amended", 0),
        counts.get("retired", 0),
        counts.get("work_types_added", 0),
        counts.get("work_types_amended", 0),
        counts.get("work_types_retired", 0),
        release.comment_until,
        release.supersedes,
        _optional_json(release.published_figures),
        _optional_json(release.import_report),
    )
    return seq


def _optional_json(value: msgspec.Struct | None) -> Any:
    return None if value is None else msgspec.to_builtins(value)


async def release_kinds(conn: Conn, release_ids: list[str]) -> dict[str, tuple[str, bool]]:
    """Kind of each release, and whether a later release superseded it."""
    rows = await conn.fetch(
        """SELECT r.release_id, r.kind,
                  EXISTS (SELECT FROM occupations.release s WHERE s.supersedes = r.release_id)
                      AS superseded
        FROM occupations.release r WHERE r.release_id = any($1::text[])""",
        release_ids,
    )
    return {r["release_id"]: (r["kind"], r["superseded"]) for r in rows}


async def insert_occupations(conn: Conn, release_id: str, rows: list[State]) -> None:
    """All new occupations in one statement; with their `added` history rows."""
    await conn.execute(
        """
        INSERT INTO occupations.occupation
            (code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
             invented, name_en_source, introduced_in, updated_in)
        SELECT code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
               invented, name_en_source, $2, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(
            code text, level smallint, parent_code text, name_zh text, name_en text,
            definition text, tasks text[], aliases text[], tags text[], invented text[],
            name_en_source text)
        ORDER BY level, code
        """,
        rows,
        release_id,
    )
    await insert_history(conn, "occupation_change", release_id, change_rows(rows, []))


async def catalogue_states(conn: Conn, codes: list[str]) -> dict[str, State]:
    """The stored state of each of `codes` that exists (active or retired)."""
    rows = await conn.fetch(
        """SELECT code, level, parent_code, name_zh, name_en, definition, tasks, aliases, tags,
                  status, invented, name_en_source
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
    await conn.execute(
        """
        UPDATE occupations.occupation AS o
        SET name_zh = x.name_zh, name_en = x.name_en, definition = x.definition,
            tasks = x.tasks, aliases = x.aliases, tags = x.tags, status = x.status,
            invented = coalesce(x.invented, '{}'), name_en_source = x.name_en_source,
            updated_in = $2
        FROM jsonb_to_recordset($1::jsonb) AS x(
            code text, name_zh text, name_en text, definition text, tasks text[],
            aliases text[], tags text[], status text, invented text[], name_en_source text)
        WHERE o.code = x.code
        """,
        [after for _, _, after in changes],
        release_id,
    )
    await insert_history(conn, "occupation_change", release_id, change_rows([], changes))


# -- work types, search keys and proposals -------------------------------------------------


async def work_type_states(conn: Conn, codes: list[str]) -> dict[str, State]:
    rows = await conn.fetch(
        """SELECT code, occupation_code, name_zh, name_en, name_en_source, definition,
                  invented, status
        FROM occupations.work_type WHERE code = any($1::text[])""",
        codes,
    )
    return {r["code"]: dict(r) for r in rows}


async def active_work_types(conn: Conn, occupations: list[str]) -> dict[str, list[str]]:
    rows = await conn.fetch(
        """SELECT occupation_code, array_agg(code ORDER BY code) AS codes
        FROM occupations.work_type
        WHERE occupation_code = any($1::text[]) AND status = 'active'
        GROUP BY occupation_code""",
        occupations,
    )
    return {r["occupation_code"]: r["codes"] for r in rows}


async def apply_work_types(
    conn: Conn, release_id: str, added: list[State], changes: list[tuple[str, State, State]]
) -> None:
    """New work types, then amendments and retirements, each in one statement; history rows
    for all of them in another."""
    if added:
        await conn.execute(
            """
            INSERT INTO occupations.work_type
                (code, occupation_code, name_zh, name_en, name_en_source, definition, invented,
                 introduced_in, updated_in)
            SELECT code, occupation_code, name_zh, name_en, name_en_source, definition,
                   invented, $2, $2
            FROM jsonb_to_recordset($1::jsonb) AS x(
                code text, occupation_code text, name_zh text, name_en text,
                name_en_source text, definition text, invented text[])
            """,
            added,
            release_id,
        )
    if changes:
        await conn.execute(
            """
            UPDATE occupations.work_type AS w
            SET name_zh = x.name_zh, name_en = x.name_en, name_en_source = x.name_en_source,
                definition = x.definition, invented = x.invented, status = x.status,
                updated_in = $2
            FROM jsonb_to_recordset($1::jsonb) AS x(
                code text, name_zh text, name_en text, name_en_source text, definition text,
                invented text[], status text)
            WHERE w.code = x.code
            """,
            [after for _, _, after in changes],
            release_id,
        )
    await insert_history(conn, "work_type_change", release_id, change_rows(added, changes))


async def insert_history(conn: Conn, table: str, release_id: str, rows: list[State]) -> None:
    """History rows `{change, before, after}` into `occupation_change` or `work_type_change`."""
    assert table in ("occupation_change", "work_type_change")
    if rows:
        await conn.execute(
            f"""
            INSERT INTO occupations.{table} (release_id, code, change, before, after)
            SELECT $2, x.after->>'code', x.change, x.before, x.after
            FROM jsonb_to_recordset($1::jsonb) AS x(change text, before jsonb, after jsonb)
            """,
            rows,
            release_id,
        )


async def refresh_search_keys(conn: Conn, codes: list[str]) -> None:
    """Pinyin of names and aliases, and the searchable lines of active work types, for
    `codes`: computed here, once per change, so search reads them from the index."""
    if not codes:
        return
    rows = await conn.fetch(
        """SELECT o.code, o.name_zh, o.aliases,
                  coalesce(jsonb_agg(jsonb_build_object(
                      'code', w.code, 'name_zh', w.name_zh, 'name_en', w.name_en)
                      ORDER BY w.code) FILTER (WHERE w.code IS NOT NULL), '[]') AS work_types
        FROM occupations.occupation o
        LEFT JOIN occupations.work_type w
            ON w.occupation_code = o.code AND w.status = 'active'
        WHERE o.code = any($1::text[])
        GROUP BY o.code""",
        codes,
    )
    pinyin = await keys_of(
        [r["name_zh"] for r in rows]
        + [a for r in rows for a in r["aliases"]]
        + [w["name_zh"] or "" for r in rows for w in r["work_types"]]
    )
    keys = [
        {
            "code": r["code"],
            "name_pinyin": pinyin[r["name_zh"]] if r["name_zh"] else "",
            "alias_pinyin": many_keys(r["aliases"], pinyin),
            "work_types": [w["code"] for w in r["work_types"]],
            "work_type_search": [work_type_key(w, pinyin) for w in r["work_types"]],
        }
        for r in rows
    ]
    await conn.execute(
        """
        UPDATE occupations.occupation AS o
        SET name_pinyin = x.name_pinyin, alias_pinyin = x.alias_pinyin,
            work_types = x.work_types, work_type_search = x.work_type_search
        FROM jsonb_to_recordset($1::jsonb) AS x(
            code text, name_pinyin text, alias_pinyin text, work_types text[],
            work_type_search text[])
        WHERE o.code = x.code
          AND (o.name_pinyin, o.alias_pinyin, o.work_types, o.work_type_search)
              IS DISTINCT FROM (x.name_pinyin, x.alias_pinyin, x.work_types, x.work_type_search)
        """,
        keys,
    )


async def insert_proposed(conn: Conn, release_id: str, rows: list[State]) -> None:
    """What a proposal would change, kept for reading: `{entity, change, before, after}`."""
    if rows:
        await conn.execute(
            """
            INSERT INTO occupations.proposed_change (release_id, entity, code, change, before,
                                                     after)
            SELECT $2, x.entity, x.after->>'code', x.change, x.before, x.after
            FROM jsonb_to_recordset($1::jsonb) AS x(
                entity text, change text, before jsonb, after jsonb)
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
