"""Readiness names the consumer that is not running or not making progress, from whichever
process of the replica answers; a background loop that dies is started again and counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from services.platform.app import create_app
from services.platform.runtime import Runtime
from services.registry import ALL

from .harness import Servers, delete_streams, eventually, settings_for
from .releases import occupation, release, release_event


@pytest.fixture
async def runtime(servers: Servers, database_url: str) -> AsyncIterator[Runtime]:
    settings = settings_for(database_url, servers.nats_url, consumer_stall_seconds=1.0)
    opened = await Runtime.open(settings, ALL)
    opened.start_background()
    try:
        yield opened
    finally:
        await opened.close()
        await delete_streams(servers.nats_url, settings.subject_root)


def client_for(runtime: Runtime) -> httpx.AsyncClient:
    app = create_app(runtime, close_runtime=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_stalled_consumer_makes_the_replica_unready_and_says_which(
    runtime: Runtime, database_url: str
) -> None:
    client = client_for(runtime)
    await eventually(lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200)
    blocker = await asyncpg.connect(database_url)
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE occupations.release IN ACCESS EXCLUSIVE MODE")
            await runtime.bus.publish(release_event(release("stuck", occupation("4-04-05-92"))))
            unready = await eventually(
                lambda: client.get("/health/ready"), until=lambda r: r.status_code == 503
            )
        body = unready.json()
        assert body["checks"]["consumers"] is False
        assert body["consumers"]["occupations-catalogue"].startswith("stalled: ")
        assert body["consumers"]["competitions-results"] == "ok"
        assert "occupations-catalogue" in body["detail"]
        # The lock is gone: the release applies and the replica is ready again.
        applied = "SELECT count(*) FROM occupations.release WHERE release_id = 'stuck'"
        await eventually(lambda: runtime.pool.fetchval(applied), until=lambda n: n == 1)
        await eventually(lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200)
    finally:
        await blocker.close()
        await client.aclose()


async def test_a_process_without_consumers_answers_for_the_loops_of_its_replica(
    runtime: Runtime,
) -> None:
    """An HTTP-only process (no fetch loops of its own) reads the heartbeats its sibling
    writes: ready while they beat, unready naming each consumer once they stop."""
    http_only = await Runtime.open(runtime.settings, ALL)  # never starts background work
    try:
        await eventually(http_only.ready, until=lambda checks: checks["consumers"])
        await runtime.close()  # the loops stop and take their heartbeats with them
        checks, report = await eventually(
            http_only.readiness, until=lambda got: not got[0]["consumers"]
        )
        assert checks == {"postgres": True, "nats": True, "consumers": False}
        assert report["ratings-assessments"].startswith("not running")
        assert set(report) == {spec.name for s in ALL for spec in s.consumers}
    finally:
        await http_only.close()


async def test_a_background_loop_that_dies_is_started_again_and_counted(
    runtime: Runtime,
) -> None:
    starts: list[int] = []

    async def dies_twice() -> None:
        starts.append(len(starts))
        if len(starts) <= 2:
            raise RuntimeError("a loop that dies")
        await runtime.stop.wait()

    def restarts() -> float:
        value = REGISTRY.get_sample_value(
            "skillsreg_consumer_restarts_total", {"task": "test:dies-twice"}
        )
        return value or 0.0

    before = restarts()
    runtime.supervise("test:dies-twice", dies_twice)
    await eventually(lambda: asyncio.sleep(0, len(starts)), until=lambda n: n == 3)
    assert restarts() == before + 2
