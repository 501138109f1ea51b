"""`Prefer: wait=N` parsing and the outcome wait every submission endpoint uses."""

from __future__ import annotations

from services.platform.submissions import MAX_WAIT, preferred_wait, wait_for


def test_prefer_wait_is_read_and_capped() -> None:
    assert preferred_wait(None) == 0.0
    assert preferred_wait("respond-async") == 0.0
    assert preferred_wait("wait=2.5") == 2.5
    assert preferred_wait("respond-async, wait=5") == 5.0
    assert preferred_wait("wait=3600") == MAX_WAIT


async def test_wait_returns_as_soon_as_the_outcome_is_there() -> None:
    calls: list[int] = []

    async def probe() -> int:
        calls.append(1)
        return len(calls)

    assert await wait_for(probe, lambda n: n >= 3, seconds=5) == 3


async def test_wait_gives_up_after_the_deadline_with_the_last_result() -> None:
    async def probe() -> str:
        return "pending"

    assert await wait_for(probe, lambda s: s != "pending", seconds=0.3) == "pending"
