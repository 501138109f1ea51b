"""SQL for the ratings schema: certificates (serials, issue, look-up, revocation) and the
grants that issue them."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import msgspec
from msgspec.structs import astuple

from services.platform.db import Connection

from .store import Conn

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

CERTIFICATE_VIEW = """
    SELECT c.number, c.person, c.id_last4, c.name, c.occupation_code, o.name_zh AS occupation_name,
           c.level, c.issued_on, c.origin, c.origin_id, c.revoked_at, c.revocation_reason,
           c.body_id, b.name AS body_name, b.kind AS body_kind
    FROM ratings.certificate c
    JOIN ratings.body b USING (body_id)
    LEFT JOIN ratings.occupation o ON o.code = c.occupation_code
"""


async def certificates(conn: Conn, numbers: list[str]) -> list[asyncpg.Record]:
    """By number; each number names its year, so only those years' partitions are read."""
    years = sorted({int(n[:4]) for n in numbers if n[:4].isdigit()})
    return await conn.fetch(
        CERTIFICATE_VIEW + " WHERE c.number = any($1::text[]) AND c.year = any($2::smallint[])",
        numbers,
        years,
    )


async def person_certificates(
    conn: Conn, person: str, body_id: str | None, limit: int = 1000
) -> list[asyncpg.Record]:
    return await conn.fetch(
        CERTIFICATE_VIEW
        + """ WHERE c.person = $1 AND ($2::text IS NULL OR c.body_id = $2)
        ORDER BY c.issued_on, c.number LIMIT $3""",
        person,
        body_id,
        limit,
    )


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
