"""Serve a set of services: check the ports, start embedded servers if needed, migrate, serve.

Two process models (`SKILLSREG_HTTP_WORKERS`):

- several (the default, one per core): this process becomes a supervisor. It binds the HTTP
  socket once, then starts HTTP worker processes that all accept on it and one process for
  consumers, outbox relays and start-up work (`supervisor.py`, `worker.py`);
- 0: everything in this one process (tests, small installs).

SIGTERM stops either cleanly, as Ctrl-C does: requests finish, consumers ack what they
committed, the embedded servers shut down, and the next start reuses their data.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import NoReturn

import asyncpg
import uvicorn
import uvloop
from litestar import Litestar

from .app import create_app
from .bus import BusUnavailable
from .db import DatabaseUnavailable
from .embedded import EmbeddedNats, EmbeddedPostgres
from .logs import configure_logging, get_logger
from .ports import Port, PortTaken, StartRefused, bind_listener, ensure_free
from .process import log_serving, stop_on_signals
from .runtime import Runtime, Service
from .settings import Settings, SettingsError

log = get_logger(__name__)

EMBEDDED_DATABASE = "skillsreg"
HTTP_PORT_SETTING = "SKILLSREG_PORT"
# Seconds an HTTP process waits for requests in flight when asked to stop (`Prefer: wait`
# answers within 30 s; a supervisor kills what is left after STOP_GRACE).
HTTP_GRACE = 25


def claim_ports(settings: Settings) -> socket.socket:
    """Before anything is touched: the embedded servers' ports are free (or held by a server of
    ours that a run killed hard left behind, which starting stops), and the HTTP socket is ours
    (bound now and held, so no one takes it while we migrate)."""
    for server in embedded(settings):
        try:
            ensure_free(server.port_spec(server.port))
        except PortTaken:
            if not server.leftover():
                raise
    return bind_listener(settings.host, Port(settings.port, "the HTTP server", HTTP_PORT_SETTING))


def embedded(settings: Settings) -> list[EmbeddedPostgres | EmbeddedNats]:
    """The servers to start: Postgres and/or NATS, for whichever URL is not set."""
    servers: list[EmbeddedPostgres | EmbeddedNats] = []
    if not settings.database_url:
        servers.append(
            EmbeddedPostgres(settings.data_dir / "postgres", port=settings.embedded_pg_port)
        )
    if not settings.nats_url:
        servers.append(EmbeddedNats(settings.data_dir / "nats", port=settings.embedded_nats_port))
    return servers


@contextmanager
def embedded_servers(settings: Settings) -> Iterator[Settings]:
    """Start an embedded Postgres and/or NATS for whichever URL is not set; stop them after."""
    started: list[EmbeddedPostgres | EmbeddedNats] = []
    database_url, nats_url = settings.database_url, settings.nats_url
    try:
        for server in embedded(settings):
            url = server.start()  # stops what it started if it fails
            started.append(server)
            if isinstance(server, EmbeddedPostgres):
                asyncio.run(create_database(url, EMBEDDED_DATABASE))
                database_url = url.rsplit("/", 1)[0] + f"/{EMBEDDED_DATABASE}"
                log.info("embedded postgres running", url=database_url, data=str(server.pgdata))
            else:
                nats_url = url
                log.info("embedded nats running", url=nats_url, data=str(server.root))
        assert database_url and nats_url
        yield settings.with_urls(database_url, nats_url)
    finally:
        for server in reversed(started):
            server.stop()
        if started:
            log.info("embedded servers stopped")


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def open_migrated(settings: Settings, services: Sequence[Service]) -> Runtime:
    """Postgres and NATS reachable (a plain error if not), streams in place, schema current."""
    # Imported here: Alembic and SQLAlchemy take ~20 MB that worker processes, which import
    # this module to serve HTTP, never need.
    from .migrate import upgrade_async

    assert settings.database_url
    runtime = await Runtime.open(settings, services, attempts=3)
    try:
        await upgrade_async(settings.database_url)
    except BaseException:
        await runtime.close()
        raise
    log.info("database migrated")
    return runtime


async def migrate_only(settings: Settings, services: Sequence[Service]) -> None:
    await (await open_migrated(settings, services)).close()


async def serve_http(app: Litestar, listener: socket.socket) -> None:
    """uvicorn on a socket bound before; stops on SIGINT/SIGTERM after requests in flight."""
    # What start-up built lives as long as the process: keep it out of every later collection.
    gc.freeze()
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="on",
        access_log=False,
        http="httptools",
        # Forwarded headers are believed only from SKILLSREG_TRUSTED_PROXIES (proxies.py).
        proxy_headers=False,
        timeout_graceful_shutdown=HTTP_GRACE,
    )
    await uvicorn.Server(config).serve(sockets=[listener])


async def serve_in_one_process(
    settings: Settings, services: Sequence[Service], listener: socket.socket
) -> None:
    runtime = await open_migrated(settings, services)
    runtime.http_app = create_app(runtime)
    log_serving(settings, services, processes="one")
    await serve_http(runtime.http_app, listener)


def refuse(exc: BaseException) -> NoReturn:
    print(f"skillsreg: cannot start: {exc}", file=sys.stderr)
    sys.exit(1)


def main(services: Sequence[Service]) -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        refuse(exc)
    configure_logging(settings.log_level, settings.log_format)
    stop_on_signals()
    try:
        with ExitStack() as stack:
            listener = stack.enter_context(claim_ports(settings))
            ready = stack.enter_context(embedded_servers(settings))
            workers = settings.http_processes()
            if workers == 0:
                uvloop.run(serve_in_one_process(ready, services, listener))
                return
            from .supervisor import Supervisor

            supervisor = Supervisor(ready, services, listener, workers)
            code = supervisor.run() if supervisor.migrate() else 1
        sys.exit(code)
    except KeyboardInterrupt:
        pass
    except (StartRefused, DatabaseUnavailable, BusUnavailable) as exc:
        refuse(exc)
