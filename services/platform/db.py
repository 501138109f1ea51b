"""The asyncpg pool: JSON codecs via msgspec, and clear failures when Postgres is away."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
import msgspec

if TYPE_CHECKING:
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record]
else:  # asyncpg's classes are generic only to type checkers
    Pool = asyncpg.Pool
    Connection = asyncpg.Connection

# Errors meaning "Postgres is unreachable right now", as opposed to a bad statement.
UNAVAILABLE = (
    OSError,
    ConnectionError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
)


class DatabaseUnavailable(RuntimeError):
    pass


async def _init_connection(conn: Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename,
            encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def _keep_session(conn: Connection) -> None:
    """What a pooled connection needs on release: nothing beyond asyncpg's own rollback of an
    open transaction. Nothing here changes session state (no SET; LISTEN is undone by the one
    task that listens; advisory locks live on connections of their own), so the default
    `RESET ALL; UNLISTEN *; ...` would be a round trip per request for nothing."""


async def create_pool(dsn: str, *, max_size: int = 10, attempts: int = 1) -> Pool:
    """Open the pool, retrying `attempts` times; raise DatabaseUnavailable with a plain message."""
    last: BaseException | None = None
    for attempt in range(attempts):
        try:
            pool: Pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=max_size,
                init=_init_connection,
                reset=_keep_session,
                command_timeout=60,
                timeout=5,
            )
            return pool
        except UNAVAILABLE as exc:
            last = exc
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
    raise DatabaseUnavailable(f"cannot reach PostgreSQL at {redact(dsn)}: {last}") from last


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"
