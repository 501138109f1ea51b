"""SQL over `exports.export_run`: the log of export runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from services.platform.db import Connection, Pool

# One export at a time across every replica sharing the database.
EXPORT_LOCK = 0x5E_C0_DA_7A


async def start_run(pool: Pool, export_id: str, trigger: str, requested_by: str) -> None:
    await pool.execute(
        """INSERT INTO exports.export_run (export_id, trigger, requested_by)
        VALUES ($1, $2, $3)""",
        export_id,
        trigger,
        requested_by,
    )


async def finish_run(pool: Pool, export_id: str, metadata: dict[str, Any]) -> None:
    await pool.execute(
        """UPDATE exports.export_run
        SET status = 'complete', finished_at = now(), metadata = $2
        WHERE export_id = $1""",
        export_id,
        metadata,
    )


async def fail_run(pool: Pool, export_id: str, error: str) -> None:
    await pool.execute(
        """UPDATE exports.export_run SET status = 'failed', finished_at = now(), error = $2
        WHERE export_id = $1""",
        export_id,
        error[:2000],
    )


async def get_run(pool: Pool, export_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT * FROM exports.export_run WHERE export_id = $1", export_id)


async def list_runs(pool: Pool, *, before: str | None, limit: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT * FROM exports.export_run
        WHERE $1::text IS NULL OR export_id < $1
        ORDER BY export_id DESC LIMIT $2""",
        before,
        limit,
    )


async def latest_complete(pool: Pool) -> str | None:
    return await pool.fetchval(
        """SELECT export_id FROM exports.export_run WHERE status = 'complete'
        ORDER BY export_id DESC LIMIT 1"""
    )


async def last_started(pool: Pool) -> datetime | None:
    """When the last export that did not fail started: the schedule counts from it."""
    return await pool.fetchval(
        "SELECT max(started_at) FROM exports.export_run WHERE status <> 'failed'"
    )


async def try_lock(conn: Connection) -> bool:
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", EXPORT_LOCK))


async def fail_abandoned(pool: Pool) -> None:
    """Runs left 'running' by a process that died mid-export (no one holds the lock)."""
    await pool.execute(
        """UPDATE exports.export_run SET status = 'failed', finished_at = now(),
        error = 'the process running this export stopped before it finished'
        WHERE status = 'running'"""
    )


async def oldest_kept(pool: Pool, keep: int) -> str | None:
    """The oldest of the newest `keep` complete runs; None while there are fewer."""
    return await pool.fetchval(
        """SELECT export_id FROM exports.export_run WHERE status = 'complete'
        ORDER BY export_id DESC OFFSET $1 LIMIT 1""",
        keep - 1,
    )


async def delete_before(pool: Pool, export_id: str) -> int:
    """Forget every finished run older than `export_id` (complete or failed)."""
    deleted = await pool.fetch(
        """DELETE FROM exports.export_run WHERE export_id < $1 AND status <> 'running'
        RETURNING export_id""",
        export_id,
    )
    return len(deleted)
