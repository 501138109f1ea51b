"""SQL for the ratings schema: occupation codes, bodies, assessment batches, dead letters
(certificates and grants: store_certificates.py)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import msgspec

from services.platform.db import Connection, Pool

from .domain import OutcomeEntry

Conn = Connection | Pool
_OUTCOMES = msgspec.json.Decoder(list[OutcomeEntry])

# -- occupation codes (our copy, from catalogue.changed) --------------------------------------


async def upsert_occupations(
    conn: Conn, release_id: str, revision: int, changes: list[dict[str, Any]]
) -> None:
    """Per code keep the state with the highest revision, whatever order events arrive in."""
    await conn.execute(
        """
        INSERT INTO ratings.occupation (code, level, name_zh, status, revision, release_id)
        SELECT code, level, name_zh, status, $2, $3
        FROM jsonb_to_recordset($1::jsonb) AS x(code text, level smallint, name_zh text,
                                                 status text)
        ON CONFLICT (code) DO UPDATE
        SET level = EXCLUDED.level, name_zh = EXCLUDED.name_zh, status = EXCLUDED.status,
            revision = EXCLUDED.revision, release_id = EXCLUDED.release_id
        WHERE ratings.occupation.revision < EXCLUDED.revision
        """,
        changes,
        revision,
        release_id,
    )


async def occupation_statuses(conn: Conn, codes: Sequence[str]) -> dict[str, str]:
    """`active`/`retired` per known occupation; groups (levels 1-3) are not occupations."""
    rows = await conn.fetch(
        """SELECT code, status FROM ratings.occupation
        WHERE code = any($1::text[]) AND level = 4""",
        list(codes),
    )
    return {r["code"]: r["status"] for r in rows}


# -- evaluation bodies and authorisations -----------------------------------------------------


async def insert_body(
    conn: Conn, body_id: str, name: str, kind: str, actor: str, province: str | None = None
) -> asyncpg.Record | None:
    """The new body's row, or None when the id is taken."""
    return await conn.fetchrow(
        """INSERT INTO ratings.body (body_id, name, kind, created_by, province)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (body_id) DO NOTHING
        RETURNING body_id, body_no, name, kind, province""",
        body_id,
        name,
        kind,
        actor,
        province,
    )


async def get_body(conn: Conn, body_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT body_id, body_no, name, kind, province FROM ratings.body WHERE body_id = $1",
        body_id,
    )


async def ensure_body(
    conn: Conn, body_id: str, name: str, kind: str
) -> tuple[asyncpg.Record, bool]:
    """The body's row, and whether this call created it."""
    created = await insert_body(conn, body_id, name, kind, "system")
    if created is not None:
        return created, True
    row = await get_body(conn, body_id)
    assert row is not None
    return row, False


async def insert_authorisation(
    conn: Conn,
    body_id: str,
    occupation_code: str,
    levels: list[str],
    valid_from: date,
    valid_to: date | None,
    actor: str,
) -> int:
    value: int = await conn.fetchval(
        """INSERT INTO ratings.authorisation
            (body_id, occupation_code, levels, valid_from, valid_to, granted_by)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING authorisation_id""",
        body_id,
        occupation_code,
        levels,
        valid_from,
        valid_to,
        actor,
    )
    return value


async def authorisations(conn: Conn, body_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT authorisation_id, occupation_code, levels, valid_from, valid_to
        FROM ratings.authorisation WHERE body_id = $1
        ORDER BY occupation_code, authorisation_id""",
        body_id,
    )


async def authorisations_of(conn: Conn, body_ids: list[str]) -> dict[str, list[asyncpg.Record]]:
    """The authorisations of several bodies in one query, by body id."""
    rows = await conn.fetch(
        """SELECT body_id, authorisation_id, occupation_code, levels, valid_from, valid_to
        FROM ratings.authorisation WHERE body_id = any($1::text[])
        ORDER BY body_id, occupation_code, authorisation_id""",
        body_ids,
    )
    out: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        out.setdefault(row["body_id"], []).append(row)
    return out


async def list_bodies(conn: Conn, after: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT body_id, body_no, name, kind, province FROM ratings.body
        WHERE ($1::text IS NULL OR body_id > $1) ORDER BY body_id LIMIT $2""",
        after,
        limit,
    )


# -- assessment batches -----------------------------------------------------------------------


async def batch_context(
    conn: Conn, batch_id: str, body_id: str, codes: Sequence[str], on: date
) -> asyncpg.Record:
    """What judging a batch needs, in one round trip: a known batch's hash, the body, the
    status of each occupation and the levels the body may assess in each on the exam date."""
    row: asyncpg.Record = await conn.fetchrow(
        """
        SELECT
          (SELECT content_hash FROM ratings.assessment_batch WHERE batch_id = $1) AS known_hash,
          b.body_no, b.kind,
          (SELECT coalesce(jsonb_object_agg(code, status), '{}') FROM ratings.occupation
           WHERE code = any($3::text[]) AND level = 4) AS statuses,
          (SELECT coalesce(jsonb_object_agg(occupation_code, levels), '{}') FROM (
             SELECT occupation_code, array_agg(DISTINCT level) AS levels
             FROM ratings.authorisation, unnest(levels) AS level
             WHERE body_id = $2 AND occupation_code = any($3::text[])
               AND valid_from <= $4 AND (valid_to IS NULL OR valid_to >= $4)
             GROUP BY occupation_code) a) AS authorised
        FROM (SELECT 1) AS one LEFT JOIN ratings.body b ON b.body_id = $2
        """,
        batch_id,
        body_id,
        list(codes),
        on,
    )
    return row


async def batch_header(conn: Conn, batch_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT batch_id, body_id, exam_date, content_hash, candidates, passed, failed,
                  refused, applied_at
        FROM ratings.assessment_batch WHERE batch_id = $1""",
        batch_id,
    )


async def insert_batch(
    conn: Conn,
    *,
    batch_id: str,
    body_id: str,
    exam_date: date,
    content_hash: str,
    event_id: str,
    actor: str,
    counts: dict[str, int],
    outcomes: list[OutcomeEntry],
) -> bool:
    """False when the batch id is already taken (a replay, or the same id reused).

    The outcome entries are stored as one zlib-compressed JSON document: written and read
    whole, never queried, so Postgres neither parses nor compresses it."""
    inserted = await conn.fetchval(
        """INSERT INTO ratings.assessment_batch
            (batch_id, body_id, exam_date, content_hash, event_id, actor, candidates, passed,
             failed, refused, outcomes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (batch_id) DO NOTHING RETURNING true""",
        batch_id,
        body_id,
        exam_date,
        content_hash,
        event_id,
        actor,
        sum(counts.values()),
        counts.get("passed", 0),
        counts.get("failed", 0),
        counts.get("refused", 0),
        zlib.compress(msgspec.json.encode(outcomes), 1),
    )
    return bool(inserted)


async def list_batches(
    conn: Conn, body_id: str | None, after: tuple[Any, str] | None, limit: int
) -> list[asyncpg.Record]:
    """Newest first by (applied_at, batch_id); `after` is the last row's pair."""
    return await conn.fetch(
        """SELECT batch_id, body_id, exam_date, applied_at, candidates, passed, failed, refused
        FROM ratings.assessment_batch
        WHERE ($1::text IS NULL OR body_id = $1)
          AND ($2::timestamptz IS NULL OR (applied_at, batch_id) < ($2, $3))
        ORDER BY applied_at DESC, batch_id DESC
        LIMIT $4""",
        body_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def batch_outcomes(conn: Conn, batch_id: str) -> list[OutcomeEntry]:
    """The batch's outcome entries, in candidate order."""
    document: bytes | None = await conn.fetchval(
        "SELECT outcomes FROM ratings.assessment_batch WHERE batch_id = $1", batch_id
    )
    return _OUTCOMES.decode(zlib.decompress(document)) if document else []


async def refused_batch(conn: Conn, batch_id: str) -> asyncpg.Record | None:
    """The latest dead letter of a submission for `batch_id` (payload left as bytes)."""
    return await conn.fetchrow(
        """SELECT reason, created_at, payload FROM ratings.dead_letter
        WHERE event_subject = $1 AND consumer = 'ratings-assessments'
        ORDER BY id DESC LIMIT 1""",
        batch_id,
    )
