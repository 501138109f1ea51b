"""Start-up work: the export schedule, with a first export as soon as a fresh install has data."""

from __future__ import annotations

import asyncio
import time

from services.platform.app import app_of
from services.platform.runtime import Runtime

from . import handlers, store

# How long the first export of a fresh install waits for the data loaded at start-up (the
# 2022 classification, the demo results) to be applied; it runs anyway after that.
FIRST_EXPORT_WAIT = 600.0


async def schedule_exports(runtime: Runtime) -> None:
    """Every `SKILLSREG_EXPORT_INTERVAL` hours (0: never), the first at once if none exists."""
    if runtime.settings.export_interval <= 0:
        return
    if await store.last_started(runtime.pool) is None:
        await settled(runtime, FIRST_EXPORT_WAIT)
    await handlers.scheduled(runtime.pool, app_of(runtime), runtime.settings, runtime.stop)


async def settled(runtime: Runtime, timeout: float) -> bool:
    """True once the other start-up work of this process is done and nothing is in flight: no
    consumer of this process has pending or unacknowledged events and no outbox holds an
    unpublished row. False if that takes longer than `timeout` seconds or the process stops."""
    me = asyncio.current_task()
    loaders = [t for t in runtime.tasks if t.get_name().startswith("startup:") and t is not me]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not runtime.stop.is_set():
        if all(t.done() for t in loaders) and await _nothing_in_flight(runtime):
            return True
        await asyncio.sleep(0.5)
    return False


async def _nothing_in_flight(runtime: Runtime) -> bool:
    bus = runtime.bus
    try:
        for service in runtime.services:
            for spec in service.consumers:
                info = await bus.js.consumer_info(bus.stream_name(spec.context), spec.name)
                if info.num_pending or info.num_ack_pending:
                    return False
            if service.outbox and await runtime.pool.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {service.schema}.outbox WHERE published_at IS NULL)"
            ):
                return False
    except Exception:  # a consumer not yet created, NATS or Postgres away: not settled yet
        return False
    return True
