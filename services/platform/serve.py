"""Serve a set of services: embedded servers if needed, migrate, open the runtime, run uvicorn."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import asyncpg
import uvicorn
import uvloop

from .app import create_app
from .bus import BusUnavailable
from .db import DatabaseUnavailable
from .embedded import EmbeddedNats, EmbeddedPostgres, EmbeddedStartError
from .logs import configure_logging, get_logger
from .migrate import upgrade_async
from .runtime import Runtime, Service
from .settings import Settings, SettingsError

log = get_logger(__name__)

EMBEDDED_DATABASE = "skillsreg"


@contextmanager
def embedded_servers(settings: Settings) -> Iterator[Settings]:
    """Start an embedded Postgres and/or NATS for whichever URL is not set; stop them after."""
    started: list[EmbeddedPostgres | EmbeddedNats] = []
    database_url, nats_url = settings.database_url, settings.nats_url
    try:
        if not database_url:
            pg = EmbeddedPostgres(settings.data_dir / "postgres", port=settings.embedded_pg_port)
            started.append(pg)
            admin_url = pg.start()
            asyncio.run(create_database(admin_url, EMBEDDED_DATABASE))
            database_url = admin_url.rsplit("/", 1)[0] + f"/{EMBEDDED_DATABASE}"
            log.info("embedded postgres running", url=database_url, data=str(pg.pgdata))
        if not nats_url:
            broker = EmbeddedNats(settings.data_dir / "nats", port=settings.embedded_nats_port)
            started.append(broker)
            nats_url = broker.start()
            log.info("embedded nats running", url=nats_url, data=str(broker.root))
        yield settings.with_urls(database_url, nats_url)
    finally:
        for server in reversed(started):
            server.stop()


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def serve(settings: Settings, services: Sequence[Service]) -> None:
    assert settings.database_url
    log.info("applying migrations")
    runtime = await Runtime.open(settings, services, attempts=3)
    try:
        await upgrade_async(settings.database_url)
    except BaseException:
        await runtime.close()
        raise
    app = create_app(runtime)
    # What start-up built lives as long as the process: keep it out of every later collection.
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        lifespan="on",
        access_log=False,
        http="httptools",
    )
    log.info(
        "serving",
        url=f"http://{settings.host}:{settings.port}",
        services=[s.name for s in services],
        openapi=f"http://{settings.host}:{settings.port}/schema",
    )
    await uvicorn.Server(config).serve()


def main(services: Sequence[Service]) -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"skillsreg: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)
    configure_logging(settings.log_level, settings.log_format)
    try:
        with embedded_servers(settings) as ready:
            uvloop.run(serve(ready, services))
    except KeyboardInterrupt:
        pass
    except (DatabaseUnavailable, BusUnavailable, EmbeddedStartError) as exc:
        log.error("cannot start", error=str(exc))
        print(f"skillsreg: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)
