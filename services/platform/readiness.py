"""Consumer heartbeats in Postgres, so readiness can be answered by any process of a replica.

A process running consumer fetch loops writes one row per consumer every HEARTBEAT seconds
(`platform.consumer_heartbeat`): whether all its loops run, the backlog it last saw and when it
last made progress. `/health/ready` reads the rows of its own instance (one host and process
group, or SKILLSREG_INSTANCE), so it holds whether the loops run in the process answering or in
a sibling process. Postgres rather than JetStream consumer info: replicas share one durable
consumer, so the server cannot say which replica's loop stopped; and Postgres is already what
readiness checks first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Sequence

from .consumer import Consumer
from .db import Pool
from .logs import get_logger
from .settings import Settings

log = get_logger(__name__)

HEARTBEAT = 2.0  # seconds between heartbeats
FRESH = 15.0  # a heartbeat older than this means the process (and its loops) is gone
PRUNE_AFTER = 3600.0  # rows of processes gone this long are deleted


def instance_of(settings: Settings) -> str:
    """The replica a process belongs to: processes started by one `skillsreg serve` share a
    process group (containers and pods have a host name of their own)."""
    return settings.instance or f"{socket.gethostname()}:{os.getpgrp()}"


def loop_report(consumer: Consumer) -> tuple[bool, str, int, float]:
    """(running, detail, pending, seconds since progress) of one consumer in this process."""
    state, expected = consumer.state, consumer.workers
    detail = ""
    if state.running < expected:
        detail = f"{state.running} of {expected} fetch loops running"
    elif not state.subscribed:
        detail = "fetch loop not bound to the stream"
    if state.error and (detail or state.in_flight or state.pending):
        detail = f"{detail}; last error: {state.error}" if detail else f"last error: {state.error}"
    pending = max(state.pending, 1 if state.in_flight else 0)
    idle = time.monotonic() - state.progress_at
    return state.running == expected and state.subscribed, detail, pending, idle


async def beat(pool: Pool, instance: str, worker: str, consumers: Sequence[Consumer]) -> None:
    rows = []
    for consumer in consumers:
        running, detail, pending, idle = loop_report(consumer)
        rows.append(
            {
                "consumer": consumer.spec.name,
                "running": running,
                "detail": detail,
                "pending": pending,
                "idle": idle,
            }
        )
    await pool.execute(
        """
        INSERT INTO platform.consumer_heartbeat AS h
            (consumer, worker, instance, pid, running, detail, pending, progress_at, beat_at)
        SELECT consumer, $1, $2, $3, running, detail, pending,
               now() - make_interval(secs => idle), now()
        FROM jsonb_to_recordset($4::jsonb)
            AS x(consumer text, running boolean, detail text, pending bigint, idle float8)
        ON CONFLICT (consumer, worker) DO UPDATE SET
            running = excluded.running, detail = excluded.detail, pending = excluded.pending,
            progress_at = excluded.progress_at, beat_at = excluded.beat_at
        """,
        worker,
        instance,
        os.getpid(),
        rows,
    )


async def run_heartbeat(
    pool: Pool, instance: str, worker: str, consumers: Sequence[Consumer], stop: asyncio.Event
) -> None:
    pruned_at = 0.0
    while not stop.is_set():
        try:
            await beat(pool, instance, worker, consumers)
            if time.monotonic() - pruned_at > 600:
                await pool.execute(
                    "DELETE FROM platform.consumer_heartbeat"
                    " WHERE beat_at < now() - make_interval(secs => $1)",
                    PRUNE_AFTER,
                )
                pruned_at = time.monotonic()
        except Exception as exc:  # Postgres away: readiness says so by itself
            log.debug("heartbeat not written", error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT)
    with contextlib.suppress(Exception):
        await pool.execute("DELETE FROM platform.consumer_heartbeat WHERE worker = $1", worker)


async def consumer_problems(
    pool: Pool, instance: str, names: Sequence[str], stall_after: float
) -> dict[str, str]:
    """Per consumer of this instance: "ok", or why it is not (not running, or stalled: messages
    waiting and no progress for `stall_after` seconds)."""
    rows = await pool.fetch(
        """
        SELECT consumer, running, detail, pending,
               extract(epoch FROM now() - progress_at)::float8 AS idle
        FROM platform.consumer_heartbeat
        WHERE instance = $1 AND consumer = any($2::text[])
          AND beat_at > now() - make_interval(secs => $3)
        """,
        instance,
        list(names),
        FRESH,
    )
    report = {name: "not running: no heartbeat from its fetch loops" for name in names}
    seen: set[str] = set()
    for row in rows:
        name = row["consumer"]
        if not row["running"]:
            problem = f"not running: {row['detail'] or 'fetch loops stopped'}"
        elif row["pending"] > 0 and row["idle"] > stall_after:
            problem = (
                f"stalled: {row['pending']} message(s) waiting, no progress for {row['idle']:.0f} s"
            )
            if row["detail"]:
                problem += f"; {row['detail']}"
        else:
            problem = "ok"
        if name not in seen or problem != "ok":
            report[name] = problem  # any process of the instance in trouble makes it unready
        seen.add(name)
    return report
