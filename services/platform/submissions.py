"""What every submission endpoint shares: `Prefer: wait=N` and waiting for the outcome.

Submissions answer 202 with a status URL once the event is on the bus; a client that sends
`Prefer: wait=N` (RFC 7240) is answered with the outcome instead if it arrives within N
seconds (at most `MAX_WAIT`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
