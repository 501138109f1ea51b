"""Export use cases: start a run (one at a time across replicas), write it, record the outcome."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar

from schemas.exports import ExportMetadata, ExportRun
from services.platform.db import Connection, Pool
from services.platform.logs import get_logger
from services.platform.public_api import PublicApi
from services.platform.settings import Settings

from . import store
from .datasets import available
from .files import METADATA, remove_before, write_export

log = get_logger(__name__)

EXPORT_ID = r"^\d{8}T\d{6}Z-[0-9a-f]{4}$"
_EXPORT_ID = re.compile(EXPORT_ID)


class ExportBusy(RuntimeError):
    """Another export is running (in this process or another replica)."""


def export_root(settings: Settings) -> Path:
    return Path(settings.export_dir) if settings.export_dir else settings.data_dir / "exports"


def new_export_id() -> str:
    # Starts with the time, so ids sort in the order exports were made.
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def latest_on_disk(root: Path) -> str | None:
    """The newest complete export this process can serve (its metadata is written last)."""
    if not root.is_dir():
        return None
    done = [
        p.name for p in root.iterdir() if not p.name.startswith(".") and (p / METADATA).is_file()
    ]
    return max(done, default=None)


async def claim(settings: Settings) -> Connection:
    """A connection of its own holding the export lock (the pool stays free for the export's
    reads); raise ExportBusy if another run, here or on another replica, holds it."""
    conn: Connection = await asyncpg.connect(settings.database_url)
    try:
        if await store.try_lock(conn):
            return conn
    except BaseException:
        await conn.close()
        raise
    await conn.close()
    raise ExportBusy("another export is running")


async def release(conn: Connection) -> None:
    # Closing the session releases its advisory lock.
    await conn.close()


@asynccontextmanager
async def export_lock(settings: Settings) -> AsyncIterator[None]:
    conn = await claim(settings)
    try:
        yield
    finally:
        await release(conn)


async def run_export(
    pool: Pool, app: Litestar, settings: Settings, export_id: str
) -> ExportMetadata | None:
    """Write export `export_id` (its run row exists) and record how it went."""
    try:
        async with PublicApi(app) as public:
            metadata = await write_export(public, available(app), export_root(settings), export_id)
    except Exception as exc:
        log.exception("export failed", export_id=export_id)
        await store.fail_run(pool, export_id, f"{type(exc).__name__}: {exc}")
        return None
    await store.finish_run(pool, export_id, msgspec.to_builtins(metadata))
    log.info("export written", export_id=export_id, files=len(metadata.files))
    await prune(pool, settings)
    return metadata


async def prune(pool: Pool, settings: Settings) -> None:
    """Keep the newest `export_keep` complete runs; forget older runs and delete their files.
    Called while holding the export lock, so no other run is being written meanwhile."""
    oldest = await store.oldest_kept(pool, settings.export_keep)
    if oldest is None:
        return
    deleted = await store.delete_before(pool, oldest)
    await asyncio.to_thread(remove_before, export_root(settings), oldest, _EXPORT_ID)
    if deleted:
        log.info("old exports deleted", runs=deleted, kept=settings.export_keep)


class StartExport(msgspec.Struct, frozen=True, kw_only=True):
    """Write an open-data export now: `trigger` is `on-demand` (HTTP), `cli` or `scheduled`."""

    trigger: str
    requested_by: str


class StartedExport(msgspec.Struct, frozen=True, kw_only=True):
    export_id: str
    task: asyncio.Task[ExportMetadata | None]


async def start_export(
    command: StartExport, *, pool: Pool, app: Litestar, settings: Settings
) -> StartedExport:
    """Claim the export lock (ExportBusy if any replica holds it), record the run, and write it
    in a task of its own that releases the lock when done; the caller may wait for the task.
    The app keeps the task (`app.state.exports`), so it is not collected mid-export."""
    lock = await claim(settings)
    try:
        await store.fail_abandoned(pool)
        export_id = new_export_id()
        await store.start_run(pool, export_id, command.trigger, command.requested_by)
    except BaseException:
        await release(lock)
        raise

    async def work() -> ExportMetadata | None:
        try:
            return await run_export(pool, app, settings, export_id)
        finally:
            await release(lock)

    running: set[asyncio.Task[Any]] = app.state.setdefault("exports", set())
    task = asyncio.create_task(work(), name=f"export:{export_id}")
    running.add(task)
    task.add_done_callback(running.discard)
    return StartedExport(export_id=export_id, task=task)


async def export_now(
    command: StartExport, *, pool: Pool, app: Litestar, settings: Settings
) -> tuple[str, ExportMetadata | None]:
    """Run one export to the end (the CLI and the schedule use this)."""
    started = await start_export(command, pool=pool, app=app, settings=settings)
    return started.export_id, await started.task


async def scheduled(pool: Pool, app: Litestar, settings: Settings, stop: asyncio.Event) -> None:
    """Every `export_interval` hours, counted from the last export made by any replica."""
    interval = timedelta(hours=settings.export_interval)
    check = min(60.0, interval.total_seconds())
    while not stop.is_set():
        last = await store.last_started(pool)
        if last is None or datetime.now(UTC) - last >= interval:
            with suppress(ExportBusy):
                command = StartExport(trigger="scheduled", requested_by="system:schedule")
                await export_now(command, pool=pool, app=app, settings=settings)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=check)


def to_run(row: Any) -> ExportRun:
    values = {k: v for k, v in dict(row).items() if k in ExportRun.__struct_fields__}
    run = msgspec.convert(values, ExportRun)
    if run.status == "complete":
        return msgspec.structs.replace(run, metadata_url=f"/exports/{run.export_id}/{METADATA}")
    return run
