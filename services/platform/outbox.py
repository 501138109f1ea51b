"""Transactional outbox: derived events are written with the state that caused them, then relayed.

A handler enqueues through the `Outbox` it is given, inside its transaction; one relay task
per service publishes pending rows with `Nats-Msg-Id` = outbox id, so a relay that dies
between publish and commit only causes a duplicate the server drops. Rows are claimed with
`FOR UPDATE SKIP LOCKED` because ids can commit out of order and several replicas may relay
at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from schemas.envelope import Event

from .bus import Bus
from .db import UNAVAILABLE, Connection, Pool
from .logs import get_logger
from .metrics import OUTBOX_RELAYED

log = get_logger(__name__)

PRUNE_EVERY = 600.0  # seconds
RELAY_BATCH = 256  # rows per relay transaction


def channel(schema: str) -> str:
    return f"{schema}_outbox"


@dataclass(frozen=True)
class Queued:
    msg_id: str
    subject: str
    payload: bytes
    headers: dict[str, str] | None


class Outbox:
    """Where one transaction's derived events go, handed to whoever derives them.

    `enqueue` writes a row to `<schema>.outbox` in the caller's transaction; the service's
    relay publishes it, told at commit by a NOTIFY. An outbox opened with
    `publish_after_commit=True` (a consumer's batch) also keeps its rows in `queued`, for its
    owner to publish once (and only if) the transaction commits (`publish_committed`); the
    relay stays the safety net for those."""

    def __init__(self, schema: str, *, publish_after_commit: bool = False) -> None:
        self.schema = schema
        self.publish_after_commit = publish_after_commit
        self.queued: list[Queued] = []

    async def enqueue(
        self,
        conn: Connection,
        event: Event[Any],
        *,
        subject: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = msgspec.json.encode(event)
        await self.enqueue_bytes(conn, event.id, subject or event.type, payload, headers)

    async def enqueue_bytes(
        self,
        conn: Connection,
        msg_id: str,
        subject: str,
        payload: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        if self.publish_after_commit:
            self.queued.append(Queued(msg_id, subject, payload, headers))
        # One round trip. The relay is told at commit (Postgres folds repeated notifications),
        # unless the owner publishes these rows itself once it has committed.
        await conn.execute(
            f"""
            WITH queued AS (
                INSERT INTO {self.schema}.outbox (id, subject, payload, headers)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (id) DO NOTHING
            )
            SELECT pg_notify($5, '') WHERE $6
            """,
            msg_id,
            subject,
            payload,
            headers or {},
            channel(self.schema),
            not self.publish_after_commit,
        )


async def publish_committed(pool: Pool, bus: Bus, schema: str, queued: list[Queued]) -> None:
    """Publish rows whose transaction has committed, then mark them published. Whatever is
    not published here stays pending for the relay (told at once by a NOTIFY)."""
    published: list[str] = []
    try:
        for row in queued:
            await bus.publish_bytes(
                row.subject, row.payload, msg_id=row.msg_id, headers=row.headers
            )
            published.append(row.msg_id)
    except Exception as exc:
        log.warning("publish after commit failed; the relay takes over", error=str(exc))
        with contextlib.suppress(Exception):
            await pool.execute("SELECT pg_notify($1, '')", channel(schema))
    if not published:
        return
    OUTBOX_RELAYED.labels(schema).inc(len(published))
    try:
        await pool.execute(
            f"""UPDATE {schema}.outbox SET published_at = now()
            WHERE id = any($1::text[]) AND published_at IS NULL""",
            published,
        )
    except Exception as exc:
        # The relay publishes them again; the server's duplicate window or, after it, the
        # consumers' inbox absorbs the repeat.
        log.warning("could not mark published outbox rows", error=str(exc))


async def relay_once(pool: Pool, bus: Bus, schema: str, limit: int = RELAY_BATCH) -> int:
    """Publish one batch of pending rows; return how many went out."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            f"""
            SELECT id, subject, payload, headers FROM {schema}.outbox
            WHERE published_at IS NULL
            ORDER BY created_at, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
            """,
            limit,
        )
        if not rows:
            return 0
        for row in rows:
            await bus.publish_bytes(
                row["subject"], row["payload"], msg_id=row["id"], headers=row["headers"]
            )
        await conn.execute(
            f"UPDATE {schema}.outbox SET published_at = now() WHERE id = any($1::text[])",
            [row["id"] for row in rows],
        )
    OUTBOX_RELAYED.labels(schema).inc(len(rows))
    return len(rows)


async def run_relay(pool: Pool, bus: Bus, schema: str, stop: asyncio.Event) -> None:
    """Relay until `stop`: woken by NOTIFY, with a one-second poll as a safety net."""
    wake = asyncio.Event()
    listener: Connection | None = None
    backoff, pruned_at = 0.5, 0.0

    def on_notify(*_: object) -> None:
        wake.set()

    while not stop.is_set():
        try:
            if listener is None or listener.is_closed():
                await _unlisten(pool, listener, schema, on_notify)
                listener = await pool.acquire()
                await listener.add_listener(channel(schema), on_notify)
            wake.clear()  # before draining, so a NOTIFY during the drain is not lost
            while await relay_once(pool, bus, schema) == RELAY_BATCH:
                pass  # a full batch: there may be more
            if time.monotonic() - pruned_at > PRUNE_EVERY:
                await prune(pool, schema)
                pruned_at = time.monotonic()
            backoff = 0.5
        except Exception as exc:
            if isinstance(exc, UNAVAILABLE):
                log.warning("outbox relay waiting for postgres", schema=schema, error=str(exc))
            else:
                log.exception("outbox relay failed; retrying", schema=schema)
            await _unlisten(pool, listener, schema, on_notify)
            listener = None
            await _sleep_or_stop(stop, backoff)
            backoff = min(backoff * 2, 5.0)
            continue
        waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waiters, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
    await _unlisten(pool, listener, schema, on_notify)


async def prune(pool: Pool, schema: str) -> None:
    """Published rows are kept a day for inspection, then dropped (the stream keeps the event)."""
    await pool.execute(f"DELETE FROM {schema}.outbox WHERE published_at < now() - interval '1 day'")


async def _unlisten(
    pool: Pool, conn: Connection | None, schema: str, callback: Callable[..., None]
) -> None:
    """Give the listening connection back; after an outage it may already be broken."""
    if conn is None:
        return
    with contextlib.suppress(Exception):
        await conn.remove_listener(channel(schema), callback)
    try:
        await pool.release(conn)
    except Exception:
        with contextlib.suppress(Exception):
            conn.terminate()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
