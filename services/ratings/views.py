"""Read models of ratings, queried straight from Postgres: bodies and their authorisations,
applied batches and their outcomes, certificates and a person's ratings."""

from __future__ import annotations

import asyncio
import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from services.platform.db import Pool

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


async def certificates_by_number(conn: Conn, numbers: list[str]) -> dict[str, asyncpg.Record]:
    return {r["number"]: r for r in await certificates(conn, numbers)}


class CertificateReads:
    """Certificates by number for many concurrent requests, in few queries.

    The numbers a request asks for join the next query, which starts after it arrived (so it
    sees everything applied before); at most `in_flight` queries run at once, and a query
    ending takes every number asked meanwhile. Under load a process sends one query for many
    requests instead of one each: fewer round trips for it and far less work for Postgres,
    whose cost per primary-key look-up is mostly per statement.
    """

    def __init__(self, pool: Callable[[], Pool], in_flight: int = 2) -> None:
        self.pool = pool  # read when first needed: an app made only for its OpenAPI has none
        self.in_flight = in_flight
        self.running: set[asyncio.Task[None]] = set()
        self._next: _Batch | None = None

    async def by_number(self, numbers: list[str]) -> dict[str, asyncpg.Record]:
        """The rows of `numbers` that exist (and perhaps others), by number."""
        batch = self._next
        if batch is None:
            batch = self._next = _Batch(set(), asyncio.get_running_loop().create_future())
        batch.numbers.update(numbers)
        if len(self.running) < self.in_flight:
            task = asyncio.create_task(self._read())
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        return await asyncio.shield(batch.rows)

    async def _read(self) -> None:
        while self._next is not None:
            batch, self._next = self._next, None
            try:
                batch.rows.set_result(
                    await certificates_by_number(self.pool(), list(batch.numbers))
                )
            except Exception as exc:
                batch.rows.set_exception(exc)
                batch.rows.exception()  # retrieved: each waiter raises it
            except BaseException:
                batch.rows.cancel()
                raise


@dataclass(slots=True)
class _Batch:
    numbers: set[str]
    rows: asyncio.Future[dict[str, asyncpg.Record]]


async def _by_year(conn: Conn, by_year: dict[int, list[str]]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = []
    for year, some in by_year.items():
        if len(some) == 1:
            rows += await conn.fetch(_by_number(year), some[0])
        else:
            rows += await conn.fetch(_by_numbers(year), some)
    return rows


# The exam year, an int, is written into the statement (see `certificates`); one string per
# year, so asyncpg finds its prepared statement without hashing a new one per call.
@functools.lru_cache(maxsize=64)
def _by_number(year: int) -> str:
    return CERTIFICATE_VIEW + f" WHERE c.number = $1 AND c.year = {year:d}"


# One index scan for all the numbers; joining `unnest($1)` instead probes the index per number
# and took twice as long for fifty.
@functools.lru_cache(maxsize=64)
def _by_numbers(year: int) -> str:
    return CERTIFICATE_VIEW + f" WHERE c.number = any($1::text[]) AND c.year = {year:d}"


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
