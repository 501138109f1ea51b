"""What a running process holds: settings, the pool, the bus, and its background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .auth import TokenCache, listen_for_revocations
from .bus import Bus
from .consumer import Consumer, ConsumerSpec
from .db import Pool, create_pool
from .logs import get_logger
from .metrics import CONSUMER_RESTARTS
from .outbox import run_relay
from .readiness import consumer_problems, instance_of, run_heartbeat
from .settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

    from .fast_paths import FastPath

log = get_logger(__name__)

StartupHook = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class Service:
    """A bounded context as the platform sees it: its routes, consumers and Postgres schema."""

    name: str
    schema: str
    route_handlers: Sequence[Any] = ()
    consumers: Sequence[ConsumerSpec] = ()
    contexts: Sequence[str] = ()
    startup: Sequence[StartupHook] = ()
    # ASGI fast paths for its hottest uncached reads, in front of the app (fast_paths.py).
    fast_paths: Sequence[FastPath] = ()
    # A service that never derives events (pages, exports) keeps no outbox and needs no relay,
    # which would hold a pool connection for nothing.
    outbox: bool = True


@dataclass
class Runtime:
    settings: Settings
    pool: Pool
    bus: Bus
    services: Sequence[Service]
    tokens: TokenCache = field(default_factory=TokenCache)
    consumers: list[Consumer] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # The one Litestar app of this process (`app.app_of`), set by whatever serves it.
    http_app: Litestar | None = None
    # This runtime's heartbeat rows (one process may hold several runtimes, as tests do).
    worker: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    @classmethod
    async def open(
        cls, settings: Settings, services: Sequence[Service], *, attempts: int = 1
    ) -> Runtime:
        assert settings.database_url and settings.nats_url, "database and NATS URLs are required"
        pool = await create_pool(
            settings.database_url, max_size=settings.db_pool_max, attempts=attempts
        )
        try:
            bus = await Bus.connect(
                settings.nats_url,
                root=settings.subject_root,
                replicas=settings.stream_replicas,
                publish_timeout=settings.publish_timeout,
            )
        except BaseException:
            await pool.close()
            raise
        runtime = cls(settings, pool, bus, services)
        contexts = {c for s in services for c in s.contexts}
        contexts |= {spec.context for s in services for spec in s.consumers}
        await bus.ensure_streams(sorted(contexts))
        return runtime

    def start_background(self) -> None:
        """Consumers, outbox relays and start-up hooks, until `close()`."""
        s = self.settings
        for service in self.services:
            for spec in service.consumers:
                consumer = Consumer(
                    spec,
                    self.bus,
                    self.pool,
                    batch=s.consumer_batch,
                    max_deliver=s.consumer_max_deliver,
                    ack_wait=s.consumer_ack_wait,
                    workers=s.consumer_workers,
                )
                self.consumers.append(consumer)
                for _ in range(consumer.workers):
                    self.supervise(
                        f"consumer:{spec.name}", functools.partial(consumer.work, self.stop)
                    )
            if service.outbox:
                self.supervise(
                    f"relay:{service.schema}",
                    functools.partial(run_relay, self.pool, self.bus, service.schema, self.stop),
                )
            for hook in service.startup:
                self._spawn(f"startup:{service.name}:{hook.__name__}", hook(self))
        if self.consumers:
            instance = instance_of(s)
            self._spawn(
                "heartbeat",
                run_heartbeat(self.pool, instance, self.worker, self.consumers, self.stop),
            )

    def _spawn(self, name: str, work: Awaitable[None]) -> None:
        """A one-off task (start-up hooks): its failure is logged, not repeated."""

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task failed", task=name)

        self.tasks.append(asyncio.create_task(guarded(), name=name))

    def supervise(self, name: str, start: Callable[[], Awaitable[None]]) -> None:
        """A task that must run until `stop`: if it dies or returns early it is started again,
        after a pause that doubles up to 30 s (reset once it has run a minute), and counted."""

        async def supervised() -> None:
            pause = 0.5
            while not self.stop.is_set():
                began = time.monotonic()
                try:
                    await start()
                    if self.stop.is_set():
                        return
                    log.error("background task ended on its own; starting it again", task=name)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("background task failed; starting it again", task=name)
                CONSUMER_RESTARTS.labels(name).inc()
                pause = 0.5 if time.monotonic() - began > 60 else pause
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), timeout=pause)
                pause = min(pause * 2, 30.0)

        self.tasks.append(asyncio.create_task(supervised(), name=name))

    def listen_for_revocations(self) -> None:
        """In every process that serves HTTP: drop cached tokens the moment one is revoked
        (restarted if its connection is lost; nothing is cached meanwhile)."""
        assert self.settings.database_url
        self.supervise(
            "tokens:revocations",
            functools.partial(
                listen_for_revocations, self.settings.database_url, self.tokens, self.stop
            ),
        )

    async def ready(self) -> dict[str, bool]:
        checks, _ = await self.readiness()
        return checks

    async def readiness(self) -> tuple[dict[str, bool], dict[str, str]]:
        """Checks (postgres, nats, consumers) and, per consumer this runtime serves, "ok" or
        what is wrong, from the heartbeats of its instance (see readiness.py)."""
        checks = {"postgres": False, "nats": await self.bus.ready(), "consumers": True}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), timeout=2)
            checks["postgres"] = True
        except Exception:
            pass
        names = [spec.name for s in self.services for spec in s.consumers]
        report: dict[str, str] = {}
        if names and checks["postgres"]:
            try:
                report = await asyncio.wait_for(
                    consumer_problems(
                        self.pool,
                        instance_of(self.settings),
                        names,
                        self.settings.consumer_stall_seconds,
                    ),
                    timeout=2,
                )
            except Exception as exc:
                report = {name: f"unknown: {exc}" for name in names}
        elif names:
            report = {name: "unknown: postgres unreachable" for name in names}
        checks["consumers"] = all(problem == "ok" for problem in report.values())
        return checks, report

    async def close(self) -> None:
        self.stop.set()
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.tasks.clear()
        await self.bus.close()
        await self.pool.close()
