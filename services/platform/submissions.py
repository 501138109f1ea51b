"""What every submission endpoint shares: `Prefer: wait=N`, waiting for the outcome, and
`Idempotency-Key`.

Submissions answer 202 with a status URL once the event is on the bus; a client that sends
`Prefer: wait=N` (RFC 7240) is answered with the outcome instead if it arrives within N
seconds (at most `MAX_WAIT`). An `Idempotency-Key` (IETF draft) names a submission: the same
key with the same content gets the first submission's outcome, with other content a 422.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .db import Pool
from .errors import Problem, field_error

T = TypeVar("T")

MAX_WAIT = 30.0
_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait=(\d+(?:\.\d+)?)")


def preferred_wait(prefer: str | None) -> float:
    """Seconds the client is willing to wait, from its `Prefer` header (0 when absent)."""
    match = _PREFER_WAIT.search(prefer or "")
    return min(float(match.group(1)), MAX_WAIT) if match else 0.0


async def wait_for(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float
) -> T:
    """Probe until `done(result)` or `seconds` pass; polls from 20 ms, backing off to 250 ms."""
    deadline = time.monotonic() + seconds
    pause = 0.02
    result = await probe()
    while not done(result) and time.monotonic() < deadline:
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, 0.25)
        result = await probe()
    return result


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")


def idempotency_key(header: str | None) -> str | None:
    """The key of an `Idempotency-Key` header (a structured-field string, quotes optional)."""
    if header is None:
        return None
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not IDEMPOTENCY_KEY.match(key):
        raise Problem(
            400,
            "invalid-idempotency-key",
            "Not an idempotency key",
            "1 to 100 letters, digits, '.', '_', ':' or '-' (a UUID is safest)",
            errors=[field_error("Idempotency-Key", "not an idempotency key", source="header")],
        )
    return key


async def claim_idempotency_key(
    pool: Pool, table: str, event_id: str, content_hash: str, key: str
) -> None:
    """Record which content `key` (as event `event_id`) stands for; refuse it for other content.

    `table` is a `<schema>.idempotency_key` table of the submitting service.
    """
    known = await pool.fetchval(
        f"""WITH claimed AS (
            INSERT INTO {table} (event_id, content_hash) VALUES ($1, $2)
            ON CONFLICT (event_id) DO NOTHING RETURNING content_hash
        )
        SELECT content_hash FROM claimed
        UNION ALL SELECT content_hash FROM {table} WHERE event_id = $1
        LIMIT 1""",
        event_id,
        content_hash,
    )
    if known is None:  # claimed by a request not yet committed
        raise Problem(
            409,
            "idempotency-key-in-use",
            "A request with this Idempotency-Key is in progress",
            "retry once it has been answered",
        )
    if known != content_hash:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key already used for other content",
            f"the key {key!r} was first used for a different request; send new content "
            "under a new key",
            errors=[
                field_error("Idempotency-Key", "used before with other content", source="header")
            ],
        )
