"""SQL the ratings handlers write with: occupation codes, bodies, assessment batches,
certificates (serials, issue, revocation) and the grants that issue them. Reads for HTTP are
in views.py."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import msgspec
from msgspec.structs import astuple

from services.platform.db import Connection, Pool

from .domain import OutcomeEntry

Conn = Connection | Pool

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


# -- certificate serials ----------------------------------------------------------------------


async def allocate_serials(
    conn: Conn, body_no: int, year: int, count: int, *, lanes: int, lane_size: int, fallback: int
) -> tuple[int, int]:
    """Reserve `count` consecutive serials of a body and year: (lane, first index in the lane).

    Each body and year has `lanes` counter rows. A transaction takes the first lane no other
    transaction holds (SKIP LOCKED) and keeps it until it commits, so workers applying one
    body's batches side by side never wait on each other; only when every lane is busy does
    it queue on lane `fallback`.
    """
    row = await _take_free_lane(conn, body_no, year, count, lane_size)
    if row is None and await _lane_count(conn, body_no, year) < lanes:
        # The first batch of a body and year creates its lanes.
        await conn.execute(
            """INSERT INTO ratings.certificate_serial (body_no, year, lane, last)
            SELECT $1, $2, lane, 0 FROM generate_series(0, $3 - 1) AS lane
            ON CONFLICT DO NOTHING""",
            body_no,
            year,
            lanes,
        )
        row = await _take_free_lane(conn, body_no, year, count, lane_size)
    if row is None:
        row = await conn.fetchrow(
            """UPDATE ratings.certificate_serial SET last = last + $4
            WHERE body_no = $1 AND year = $2 AND lane = $3 RETURNING lane, last""",
            body_no,
            year,
            fallback,
            count,
        )
        assert row is not None
    return row["lane"], row["last"] - count + 1


async def _lane_count(conn: Conn, body_no: int, year: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM ratings.certificate_serial WHERE body_no = $1 AND year = $2",
        body_no,
        year,
    )
    return count


async def _take_free_lane(
    conn: Conn, body_no: int, year: int, count: int, lane_size: int
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        WITH free AS MATERIALIZED (  -- evaluated once: one lane, whatever the join plan
            SELECT lane FROM ratings.certificate_serial
            WHERE body_no = $1 AND year = $2 AND last + $3 <= $4
            ORDER BY lane LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE ratings.certificate_serial s SET last = s.last + $3
        FROM free
        WHERE s.body_no = $1 AND s.year = $2 AND s.lane = free.lane
        RETURNING s.lane, s.last
        """,
        body_no,
        year,
        count,
        lane_size,
    )


class CertificateRow(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A `ratings.certificate` row as it is copied in (fields in column order)."""

    number: str
    person: str
    id_last4: str
    name: str
    occupation_code: str
    level: str
    body_id: str
    origin: str  # assessment | grant
    origin_id: str
    exam_date: date
    issued_on: date
    grant_id: str | None
    year: int  # the partition: the exam year the number starts with


CERTIFICATE_COLUMNS = CertificateRow.__struct_fields__


async def copy_certificates(conn: Connection, rows: list[CertificateRow]) -> None:
    if rows:
        await conn.copy_records_to_table(
            "certificate",
            schema_name="ratings",
            columns=CERTIFICATE_COLUMNS,
            records=[astuple(row) for row in rows],
        )


# -- competition grants -----------------------------------------------------------------------


async def handled_grants(conn: Conn, grant_ids: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT grant_id FROM ratings.grant_outcome WHERE grant_id = any($1::text[])", grant_ids
    )
    return {r["grant_id"] for r in rows}


async def insert_grant_outcomes(conn: Conn, rows: list[dict[str, Any]]) -> set[str]:
    """Record grants; return those this call recorded (a concurrent duplicate loses here)."""
    recorded = await conn.fetch(
        """
        INSERT INTO ratings.grant_outcome
            (grant_id, competition_code, result_revision, outcome, reason, certificate_no)
        SELECT grant_id, competition_code, result_revision, outcome, reason, certificate_no
        FROM jsonb_to_recordset($1::jsonb) AS x(grant_id text, competition_code text,
            result_revision integer, outcome text, reason text, certificate_no text)
        ON CONFLICT (grant_id) DO NOTHING
        RETURNING grant_id
        """,
        rows,
    )
    return {r["grant_id"] for r in recorded}


async def withdraw_unseen_grants(
    conn: Conn, competition_code: str, result_revision: int, reasons: dict[str, str]
) -> set[str]:
    """Record withdrawals of grants not handled yet as outcome `withdrawn`, so they are never
    issued; return those ids. A grant being applied meanwhile holds its key until it commits."""
    rows = await conn.fetch(
        """
        INSERT INTO ratings.grant_outcome
            (grant_id, competition_code, result_revision, outcome, withdrawn_at,
             withdrawal_reason)
        SELECT grant_id, $1, $2, 'withdrawn', now(), reason
        FROM unnest($3::text[], $4::text[]) AS x(grant_id, reason)
        ON CONFLICT (grant_id) DO NOTHING
        RETURNING grant_id
        """,
        competition_code,
        result_revision,
        list(reasons),
        list(reasons.values()),
    )
    return {r["grant_id"] for r in rows}


async def withdraw_grant_outcomes(conn: Conn, reasons: dict[str, str]) -> list[asyncpg.Record]:
    """Mark handled grants withdrawn; return (grant_id, certificate_no) of those this call
    marked (certificate_no is null for a refused grant)."""
    return await conn.fetch(
        """
        UPDATE ratings.grant_outcome o
        SET withdrawn_at = now(), withdrawal_reason = x.reason
        FROM unnest($1::text[], $2::text[]) AS x(grant_id, reason)
        WHERE o.grant_id = x.grant_id AND o.withdrawn_at IS NULL
        RETURNING o.grant_id, o.certificate_no
        """,
        list(reasons),
        list(reasons.values()),
    )


# -- certificates -----------------------------------------------------------------------------


async def revoke(conn: Conn, reasons: dict[str, str], actor: str) -> list[asyncpg.Record]:
    """Revoke certificates not revoked yet (number → reason); return those this call revoked."""
    return await conn.fetch(
        """UPDATE ratings.certificate c
        SET revoked_at = now(), revoked_by = $3, revocation_reason = x.reason
        FROM unnest($1::text[], $2::text[]) AS x(number, reason)
        WHERE c.number = x.number AND c.year = any($4::smallint[]) AND c.revoked_at IS NULL
        RETURNING c.number, c.body_id, c.revoked_at, c.revocation_reason, c.occupation_code,
                  c.level, c.origin""",
        list(reasons),
        list(reasons.values()),
        actor,
        sorted({int(n[:4]) for n in reasons}),
    )
