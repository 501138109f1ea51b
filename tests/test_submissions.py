"""A 202 is a promise: NATS away answers 503 (never 500, never a hang) and a resend applies once
under the id the client knows; an Idempotency-Key stands for one content."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.platform.app import create_app
from services.platform.auth import create_token
from services.platform.embedded import EmbeddedNats, free_port
from services.platform.runtime import Runtime
from services.registry import ALL

from .conftest import Client
from .harness import eventually, settings_for
from .test_competitions_results import line, publish, setup, skill
from .test_occupations_releases import new_release
from .test_ratings_helpers import candidate


async def test_an_idempotency_key_stands_for_one_content(client: Client) -> None:
    organiser = await setup(client)
    first = [skill("07", 1, line("CN", 720.0), line("KR", 700.0))]
    keyed = organiser | {"Idempotency-Key": "9b1c3b0e-5d43-4d54-9a3f-1f6c0c7d2a11"}
    applied = await publish(client, keyed, first)
    assert applied.status_code == 200 and applied.json()["status"] == "applied", applied.text
    again = await publish(client, keyed, first)  # the same content: the first outcome
    assert again.status_code == 200 and again.json()["event_id"] == applied.json()["event_id"]
    other = await publish(client, keyed, [skill("07", 2, line("CN", 690.0))])
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    results = await client.get("/competitions/WSCT2024/skills/07/results")
    assert results.json()["revision"] == 1  # the other content was not applied either
    bad = await publish(client, organiser | {"Idempotency-Key": "no spaces please"}, first)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.fixture
async def nats_away(
    server_dir: Path, database_url: str
) -> AsyncIterator[tuple[Client, EmbeddedNats]]:
    """The whole API over a NATS server of this test's own, which the test may stop."""
    nats = EmbeddedNats(server_dir / "nats", port=free_port())
    await asyncio.to_thread(nats.start)
    runtime = await Runtime.open(settings_for(database_url, nats.url), ALL)
    runtime.start_background()
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with Client(transport=transport, base_url="http://skillsreg.test") as client:
        client.runtime = runtime
        try:
            yield client, nats
        finally:
            await runtime.close()
            nats.stop()


async def test_nats_away_answers_503_and_a_resend_applies_once(
    nats_away: tuple[Client, EmbeddedNats],
) -> None:
    client, nats = nats_away
    organiser = await setup(client)
    ministry = await client.token("ministry", "mohrss")
    results = [skill("07", 1, line("CN", 720.0))]
    release = new_release("while-away-2025")

    await asyncio.to_thread(nats.stop)
    await eventually(
        lambda: asyncio.sleep(0, client.runtime.bus.nc.is_connected), until=lambda c: not c
    )
    for response in (
        await publish(client, organiser, results),
        await client.post("/releases", json=release, headers=ministry),
    ):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "5"
        assert "Resending the same request" in response.json()["detail"]
        assert response.json()["retry_safe"] is True
    assert (
        await client.runtime.pool.fetchval(
            "SELECT count(*) FROM occupations.release_submission"
            " WHERE release_id = 'while-away-2025'"
        )
        == 0
    )  # nothing pending that the client was told failed

    await asyncio.to_thread(nats.start)
    await eventually(client.runtime.bus.ready, timeout=60)
    resent = await publish(client, organiser, results)
    assert resent.status_code in (200, 202), resent.text  # applied, or pending while the
    status_url = resent.json()["status_url"]  # consumer binds again after the outage
    status = await eventually(
        lambda: client.get(status_url, headers=organiser),
        until=lambda r: r.json()["status"] == "applied",
        timeout=60,
    )
    assert status.status_code == 200, status.text
    again = await publish(client, organiser, results)  # a resend names the same submission
    assert again.json()["event_id"] == resent.json()["event_id"]
    applied = await client.runtime.pool.fetch(
        "SELECT event_id FROM competitions.submission WHERE competition = 'WSCT2024'"
    )
    assert [r["event_id"] for r in applied] == [resent.json()["event_id"]]
    response = await client.post(
        "/releases", json=release, headers=ministry | {"Prefer": "wait=15"}
    )
    assert response.status_code == 201, response.text


async def test_a_batch_sent_while_nats_is_away_is_503_and_applies_when_resent(
    nats_away: tuple[Client, EmbeddedNats],
) -> None:
    client, nats = nats_away
    ministry = await client.token("ministry", "mohrss")
    body = {"body_id": "away-school", "name": "Away school (invented)", "kind": "social"}
    assert (await client.post("/evaluation-bodies", json=body, headers=ministry)).is_success
    _, token = await create_token(client.runtime.pool, "evaluation_body", "away-school", "t")
    school = {"Authorization": f"Bearer {token}"}
    batch = {"batch_id": "away-1", "body_id": "away-school", "exam_date": "2026-06-15",
             "candidates": [candidate(1)]}  # fmt: skip
    await asyncio.to_thread(nats.stop)
    await eventually(
        lambda: asyncio.sleep(0, client.runtime.bus.nc.is_connected), until=lambda c: not c
    )
    response = await client.post("/assessment-batches", json=batch, headers=school)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    await asyncio.to_thread(nats.start)
    await eventually(client.runtime.bus.ready, timeout=60)
    response = await client.post(
        "/assessment-batches", json=batch, headers=school | {"Prefer": "wait=15"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "applied"
