"""Real Postgres and NATS for the suite: embedded servers unless TEST_DATABASE_URL/TEST_NATS_URL.

Isolation: each test gets its own database (cloned from a migrated template) and its own
subject root, so its streams and consumers are its own; tests can run in parallel and leave
nothing behind.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import nats

from services.platform.embedded import EmbeddedNats, EmbeddedPostgres
from services.platform.settings import Settings

T = TypeVar("T")


class Servers:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.admin_url = os.environ.get("TEST_DATABASE_URL", "")
        self.nats_url = os.environ.get("TEST_NATS_URL", "")

    def start(self) -> Servers:
        if not self.admin_url:
            self.pg = EmbeddedPostgres(self.root / "postgres", fsync=False)
            self.admin_url = self.pg.start()
        if not self.nats_url:
            self.nats = EmbeddedNats(self.root / "nats")
            self.nats_url = self.nats.start()
        return self

    def stop(self) -> None:
        if self.nats:
            self.nats.stop()
        if self.pg:
            self.pg.stop()

    def url_for(self, database: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    async def create_database(self, name: str, template: str | None = None) -> str:
        conn = await asyncpg.connect(self.admin_url)
        try:
            suffix = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            await conn.close()
        return self.url_for(name)

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def settings_for(database_url: str, nats_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "subject_root": unique("t"),
        "load_baseline": False,
        "consumer_ack_wait": 5.0,
        "consumer_max_deliver": 3,
        "log_format": "console",
        # One listening connection per outbox relay stays out of the pool for good.
        "db_pool_max": 8,
        "export_interval": 0.0,  # no export at start-up unless a test asks for one
    }
    values.update(overrides)
    return Settings(**values)


async def delete_streams(nats_url: str, root: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name and info.config.name.startswith(root.upper() + "_"):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 20.0,
    interval: float = 0.05,
) -> T:
    """Poll `probe` until `until(result)`; fail with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not until(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {result!r}")
        await asyncio.sleep(interval)
        result = await probe()
    return result
