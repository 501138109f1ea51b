"""One child of the supervisor (`supervisor.py`), started as
`python -m services.platform.worker <role> <name> <services> --parent PID [--fd FD]`:

- `http`: serves HTTP on the socket the supervisor bound (inherited as FD); runs no consumers;
- `background`: consumers, outbox relays and start-up work (loaders, the export schedule);
- `migrate`: streams and migrations before the others start, then exits (so the supervisor,
  which lives as long as the server, never loads Alembic).

Both get the database and NATS URLs, and the metrics directory, from the supervisor.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Sequence
from importlib import import_module

import uvloop

from .app import create_app
from .bus import BusUnavailable
from .db import DatabaseUnavailable
from .logs import configure_logging
from .process import STOP_SIGNALS, stop_on_signals
from .runtime import Runtime, Service
from .serve import migrate_only, serve_http
from .settings import Settings
from .supervisor import PACKAGE

PR_SET_PDEATHSIG = 1


def stop_with_parent(parent: int) -> None:
    """SIGTERM from the kernel if the supervisor dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's own stop has to do
        return
    if os.getppid() != parent:  # it died before we asked
        raise SystemExit(0)


async def http_worker(settings: Settings, services: Sequence[Service], name: str, fd: int) -> None:
    runtime = await Runtime.open(settings, services, attempts=3)
    runtime.http_app = create_app(runtime, http_worker=name)
    await serve_http(runtime.http_app, socket.socket(fileno=fd))


async def background_worker(settings: Settings, services: Sequence[Service]) -> None:
    runtime = await Runtime.open(settings, services, attempts=3)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    runtime.start_background()
    try:
        await stop.wait()
    finally:
        await runtime.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="services.platform.worker")
    parser.add_argument("role", choices=["http", "background", "migrate"])
    parser.add_argument("name")
    parser.add_argument("services", help="comma-separated service names")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--fd", type=int)
    args = parser.parse_args(argv)
    if args.role == "http" and args.fd is None:
        parser.error("an HTTP worker needs --fd, the listening socket")
    stop_on_signals()
    stop_with_parent(args.parent)
    settings = Settings.from_env()  # the supervisor has read the same environment
    configure_logging(settings.log_level, settings.log_format, process=args.name)
    services = [import_module(f"{PACKAGE}.{n}").SERVICE for n in args.services.split(",")]
    try:
        if args.role == "http":
            uvloop.run(http_worker(settings, services, args.name, args.fd))
        elif args.role == "migrate":
            uvloop.run(migrate_only(settings, services))
        else:
            uvloop.run(background_worker(settings, services))
    except KeyboardInterrupt:
        pass
    except (DatabaseUnavailable, BusUnavailable) as exc:
        # Migrating is the server's start, so its refusal reads as the server's own.
        who = "skillsreg" if args.role == "migrate" else f"skillsreg {args.name}"
        print(f"{who}: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
