"""Servers for a benchmark run: embedded ones in a temp dir unless DATABASE_URL / NATS_URL."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.platform.embedded import EmbeddedNats, EmbeddedPostgres
from services.platform.migrate import upgrade_async


@dataclass
class BenchServers:
    database_url: str
    nats_url: str
    root: str


@asynccontextmanager
async def bench_servers() -> AsyncIterator[BenchServers]:
    """A fresh migrated database and a subject root of its own; fsync stays on (it is measured)."""
    with tempfile.TemporaryDirectory(prefix="skillsreg-bench-") as tmp:
        pg = nats_server = None
        admin = os.environ.get("DATABASE_URL")
        nats_url = os.environ.get("NATS_URL")
        if not admin:
            pg = EmbeddedPostgres(Path(tmp) / "pg")
            admin = await asyncio.to_thread(pg.start)
        if not nats_url:
            nats_server = EmbeddedNats(Path(tmp) / "nats")
            nats_url = await asyncio.to_thread(nats_server.start)
        name = f"skillsreg_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(admin)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        url = admin.rsplit("/", 1)[0] + f"/{name}"
        await upgrade_async(url)
        try:
            yield BenchServers(url, nats_url, f"bench{uuid.uuid4().hex[:6]}")
        finally:
            conn = await asyncpg.connect(admin)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
            if nats_server:
                nats_server.stop()
            if pg:
                pg.stop()
