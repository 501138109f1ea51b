"""Servers for a benchmark run: embedded ones in a temp dir unless DATABASE_URL / NATS_URL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from services.platform.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.platform.migrate import upgrade_async

ROOT = Path(__file__).resolve().parents[1]


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


class ServiceProcess:
    """`python -m services.<name>` (every service if `service` is "") against the bench
    servers, stopped (SIGINT) on exit."""

    def __init__(
        self, servers: BenchServers, port: int | None = None, service: str = "occupations"
    ) -> None:
        self.service = service
        self.port = port or free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")}
        env |= {
            "DATABASE_URL": servers.database_url,
            "NATS_URL": servers.nats_url,
            "SKILLSREG_SUBJECT_ROOT": servers.root,
            "SKILLSREG_LOAD_BASELINE": "false",
            "SKILLSREG_PORT": str(self.port),
            "SKILLSREG_LOG_LEVEL": "WARNING",
            # One process, as these figures were measured (CPU and memory read from its pid).
            "SKILLSREG_HTTP_WORKERS": "0",
        }
        self.env = env

    async def ready(self) -> None:
        """Wait until the service answers its readiness probe (consumers subscribed)."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as client:
            await wait_ready(client)

    def __enter__(self) -> ServiceProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.service}" if self.service else "services"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *_: object) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def wait_for_count(db: asyncpg.Connection, sql: str, expected: int, timeout: float) -> None:
    """Poll `sql` (a count) until it reaches `expected`."""
    deadline = time.monotonic() + timeout
    while await db.fetchval(sql) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {timeout}s: {sql}")
        await asyncio.sleep(0.02)


async def wait_ready(client: httpx.AsyncClient, timeout: float = 60.0) -> None:
    """Wait for the service's readiness probe to answer 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("service did not become ready")
