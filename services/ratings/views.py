"""Read models of ratings, queried straight from Postgres: bodies and their authorisations,
applied batches and their outcomes, certificates and a person's ratings."""

from __future__ import annotations

import zlib
from typing import Any

import asyncpg
import msgspec

from .domain import OutcomeEntry
from .store import Conn

_OUTCOMES = msgspec.json.Decoder(list[OutcomeEntry])

CERTIFICATE_VIEW = """
    SELECT c.number, c.person, c.id_last4, c.name, c.occupation_code, o.name_zh AS occupation_name,
           c.level, c.issued_on, c.origin, c.origin_id, c.revoked_at, c.revocation_reason,
           c.body_id, b.name AS body_name, b.kind AS body_kind
    FROM ratings.certificate c
    JOIN ratings.body b USING (body_id)
    LEFT JOIN ratings.occupation o ON o.code = c.occupation_code
"""


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


async def certificates(conn: Conn, numbers: list[str]) -> list[asyncpg.Record]:
    """By number, a query per exam year (the number's first four digits) on one connection.

    The year is written into the statement as a constant, not passed as a parameter: with a
    parameter, Postgres judges the generic plan (every partition) dearer than a custom one and
    plans the statement anew on each call, three times the cost of the look-up itself; with a
    constant the partition is pruned once, when planning, and the one generic plan is reused.
    There are as many statements as years asked for, each prepared once per connection."""
    by_year: dict[int, list[str]] = {}
    for number in dict.fromkeys(numbers):
        if number[:4].isdigit():
            by_year.setdefault(int(number[:4]), []).append(number)
    if not by_year:
        return []
    if len(by_year) == 1 or not isinstance(conn, asyncpg.Pool):
        return await _by_year(conn, by_year)
    async with conn.acquire() as one:
        return await _by_year(one, by_year)


async def _by_year(conn: Conn, by_year: dict[int, list[str]]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = []
    for year, some in by_year.items():
        if len(some) == 1:
            rows += await conn.fetch(BY_NUMBER % year, some[0])
        else:
            rows += await conn.fetch(BY_NUMBERS % year, some)
    return rows


# `%d`: the exam year, an int (see `certificates`).
BY_NUMBER = CERTIFICATE_VIEW + " WHERE c.number = $1 AND c.year = %d"
# One index scan for all the numbers; joining `unnest($1)` instead probes the index per number
# and took twice as long for fifty.
BY_NUMBERS = CERTIFICATE_VIEW + " WHERE c.number = any($1::text[]) AND c.year = %d"


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
