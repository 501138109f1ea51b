"""What a running process holds: settings, the pool, the bus, and its background tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .auth import TokenCache
from .bus import Bus
from .consumer import Consumer, ConsumerSpec
from .db import Pool, create_pool
from .logs import get_logger
from .outbox import run_relay
from .settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

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
    # The one Litestar app of this process (`app()`), set by whatever serves it.
    http_app: Litestar | None = None

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
                settings.nats_url, root=settings.subject_root, replicas=settings.stream_replicas
            )
        except BaseException:
            await pool.close()
            raise
        runtime = cls(settings, pool, bus, services)
        contexts = {c for s in services for c in s.contexts}
        contexts |= {spec.context for s in services for spec in s.consumers}
        await bus.ensure_streams(sorted(contexts))
        return runtime

    def app(self) -> Litestar:
        """This process's app: the one serving HTTP, else one made now for in-process reads
        (exports read the public API through it)."""
        if self.http_app is None:
            from .app import create_app

            self.http_app = create_app(self, close_runtime=False)
        return self.http_app

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
                self._spawn(f"consumer:{spec.name}", consumer.run(self.stop))
            if service.outbox:
                self._spawn(
                    f"relay:{service.schema}",
                    run_relay(self.pool, self.bus, service.schema, self.stop),
                )
            for hook in service.startup:
                self._spawn(f"startup:{service.name}:{hook.__name__}", hook(self))

    def _spawn(self, name: str, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task failed", task=name)

        self.tasks.append(asyncio.create_task(guarded(), name=name))

    async def ready(self) -> dict[str, bool]:
        checks = {"postgres": False, "nats": await self.bus.ready()}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), timeout=2)
            checks["postgres"] = True
        except Exception:
            pass
        checks["consumers"] = all(c.healthy for c in self.consumers)
        return checks

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
