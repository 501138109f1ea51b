"""Certificate verification's fast path answers exactly as the Litestar routes do, under the same
rate limit (services.ratings.api.verification)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.plugins.prometheus import PrometheusConfig

from services.platform.app import create_app
from services.platform.fast_paths import Stack
from services.platform.runtime import Runtime
from services.ratings.api.verification import CertificateVerification
from services.ratings.domain import certificate_number

from .conftest import Client
from .test_ratings_certificates import issued  # noqa: F401  (a fixture)
from .test_ratings_helpers import World

BROWSER = {"Origin": "https://press.example", "Accept-Encoding": "gzip, deflate"}


def without_fast_paths(runtime: Runtime) -> Litestar:
    """The same services on the same pool, answered by their Litestar routes only."""
    services = [dataclasses.replace(s, fast_paths=()) for s in runtime.services]
    return create_app(dataclasses.replace(runtime, services=services), close_runtime=False)


async def refuse(scope: Any, receive: Any, send: Any) -> None:
    """Behind the fast path under test: whatever reaches here was not answered by it."""
    await send({"type": "http.response.start", "status": 599, "headers": []})
    await send({"type": "http.response.body", "body": b"passed on"})


@pytest.fixture
async def two_ways(
    issued: tuple[World, list[str]],  # noqa: F811
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, World, list[str]]]:
    world, numbers = issued
    runtime = world.client.runtime
    app = create_app(runtime, close_runtime=False)
    fast = CertificateVerification(
        Stack(refuse, app, PrometheusConfig(app_name="skillsreg", group_path=True), ())
    )
    base = "http://skillsreg.test"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fast), base_url=base) as fast_client,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=without_fast_paths(runtime)), base_url=base
        ) as route_client,
    ):
        yield fast_client, route_client, world, numbers


def seen(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and every header but those that may differ: the seconds RateLimit-Reset
    counts may tick in between, and gzip streams of one body need not be the same bytes."""
    varying = {"ratelimit-reset"}
    if "content-encoding" in response.headers:
        varying.add("content-length")
    headers = {k: v for k, v in response.headers.items() if k not in varying}
    return response.status_code, response.content, headers


async def test_the_fast_path_answers_as_the_routes_do(
    two_ways: tuple[httpx.AsyncClient, httpx.AsyncClient, World, list[str]],
) -> None:
    fast, route, world, numbers = two_ways
    reason = {"reason": "exam irregularity found on review"}
    r = await world.client.post(
        f"/certificates/{numbers[1]}/revocation", json=reason, headers=world.ministry
    )
    assert r.status_code == 201
    good = numbers[0]
    mistyped = good[:-3] + str((int(good[-3]) + 1) % 10) + good[-2:]
    unknown = certificate_number(2026, 999, 1)
    many = [
        {"number": good, "name": "张三丰"},
        {"number": numbers[1]},
        {"number": numbers[2], "name": "not the holder"},
        {"number": mistyped},
        {"number": "2026-1"},
        {"number": unknown},
    ]
    asks: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/certificates/{good}", {}),  # found
        ("GET", f"/certificates/{good}", {"params": {"name": "张三丰"}}),
        ("GET", f"/certificates/{good}", {"params": {"name": " 张三丰 "}, "headers": BROWSER}),
        ("GET", f"/certificates/{good}", {"params": {"name": "王五"}}),  # another holder
        ("GET", f"/certificates/{good}", {"params": {"name": ""}}),
        ("GET", f"/certificates/{numbers[1]}", {"headers": BROWSER}),  # revoked
        ("GET", f"/certificates/{unknown}", {}),  # not found
        ("GET", f"/certificates/{mistyped}", {"headers": BROWSER}),  # bad check character
        ("GET", "/certificates/not-a-number", {}),
        ("POST", "/certificates/verify", {"json": {"items": many}}),
        ("POST", "/certificates/verify", {"json": {"items": many * 10}, "headers": BROWSER}),
        ("POST", "/certificates/verify", {"json": {"items": []}}),  # 422
    ]
    for method, url, options in asks:
        by_route = await route.request(method, url, **options)
        by_fast = await fast.request(method, url, **options)
        assert seen(by_fast) == seen(by_route), (method, url, options)
        assert by_fast.headers.get("ratelimit-reset") and by_route.headers.get("ratelimit-reset")
    statuses = [(await fast.request(m, u, **o)).status_code for m, u, o in asks]
    assert statuses == [200, 200, 200, 404, 200, 200, 404, 400, 400, 200, 200, 422]
    revoked = (await fast.get(f"/certificates/{numbers[1]}")).json()
    assert revoked["status"] == "revoked" and revoked["revocation_reason"] == reason["reason"]
    compressed = await fast.post("/certificates/verify", json={"items": many * 10}, headers=BROWSER)
    assert compressed.headers["content-encoding"] == "gzip"
    assert [x["status"] for x in compressed.json()["results"][:6]] == [
        "valid",
        "revoked",
        "not_found",
        "malformed",
        "malformed",
        "not_found",
    ]


async def test_requests_the_fast_path_does_not_take_reach_the_routes(
    two_ways: tuple[httpx.AsyncClient, httpx.AsyncClient, World, list[str]],
) -> None:
    fast, _, _, numbers = two_ways
    passed_on = [
        fast.head(f"/certificates/{numbers[0]}"),
        fast.get(f"/certificates/{numbers[0]}", headers={"Authorization": "Bearer srk_x"}),
        fast.get(f"/certificates/{numbers[0]}", params={"name": "a", "other": "b"}),
        fast.get("/certificates/٢٠٢٦-000001-00000001-8"),  # not ASCII: the route says why
        fast.get("/certificates/verify"),
        fast.post("/certificates/verify", content=b'{"items": 1}', headers=JSON),
        fast.post("/certificates/verify", content=b"[" * 100, headers=JSON),
        fast.post("/certificates/verify", json={"items": [{"number": "x" * 41}]}),
        fast.post("/certificates/verify", content=b'{"items": []}'),  # no content type
    ]
    for request in passed_on:
        assert (await request).status_code == 599


JSON = {"Content-Type": "application/json"}


async def test_the_rate_limit_counts_both_ways_alike(client: Client) -> None:
    """Requests the fast path answers and those the route answers share one count per client;
    the 429 says when to come back, as the route's does."""
    limit = client.runtime.settings.verify_rate_per_minute
    unknown = f"/certificates/{certificate_number(2026, 999, 1)}"
    token = {"Authorization": "Bearer srk_not_a_token"}  # the route answers (no token needed)
    counted = await requests_counted(client, "GET", "/certificates/{number}")
    statuses = []
    for n in range(limit):
        if n % 2:
            statuses.append((await client.get(unknown, headers=token)).status_code)
        else:
            statuses.append((await client.get(unknown)).status_code)
    assert statuses == [404] * limit
    limited = await client.post("/certificates/verify", json={"items": [{"number": "2026-1"}]})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["type"] == "/problems/too-many-requests"
    by_route = await client.get(unknown, headers=token)
    assert by_route.status_code == 429
    assert by_route.json() | {"instance": None} == limited.json() | {"instance": None}
    assert by_route.headers["ratelimit-policy"] == limited.headers["ratelimit-policy"]
    # Litestar's request count has every answer, whichever way it was given.
    now = await requests_counted(client, "GET", "/certificates/{number}")
    assert now.get("404", 0) - counted.get("404", 0) == limit
    assert (await requests_counted(client, "POST", "/certificates/verify"))["429"] >= 1


async def requests_counted(client: Client, method: str, path: str) -> dict[str, float]:
    """`litestar_requests_total` of one route, by status, from /metrics."""
    counts: dict[str, float] = {}
    for line in (await client.get("/metrics")).text.splitlines():
        labels, _, value = line.rpartition("} ")
        if labels.startswith("litestar_requests_total{") and f'path="{path}"' in labels:
            status = labels.split('status_code="')[1].split('"')[0]
            if f'method="{method}"' in labels:
                counts[status] = counts.get(status, 0) + float(value)
    return counts


async def test_concurrent_verifications_each_get_their_own_answer(
    two_ways: tuple[httpx.AsyncClient, httpx.AsyncClient, World, list[str]],
) -> None:
    """Concurrent look-ups share queries (views.CertificateReads); each still answers its own
    number, holder name and status."""
    fast, _, _, numbers = two_ways
    unknown = [certificate_number(2026, 999, n) for n in range(1, 6)]
    asks = [
        *(f"/certificates/{n}" for n in numbers),
        *(f"/certificates/{n}" for n in unknown),
        f"/certificates/{numbers[0]}?name=%E5%BC%A0%E4%B8%89%E4%B8%B0",
        f"/certificates/{numbers[1]}?name=%E5%BC%A0%E4%B8%89%E4%B8%B0",  # not the holder
    ] * 4
    one_by_one = [(await fast.get(url)).content for url in asks]
    together = await asyncio.gather(*(fast.get(url) for url in asks))
    assert [r.content for r in together] == one_by_one
    assert [r.status_code for r in together[: len(numbers) + 7]] == [
        *([200] * len(numbers)),
        *([404] * 5),
        200,
        404,
    ]
    bulk = [{"number": n} for n in [*numbers, *unknown]]
    answers = await asyncio.gather(
        *(fast.post("/certificates/verify", json={"items": bulk[i:]}) for i in range(len(bulk)))
    )
    for i, answer in enumerate(answers):
        statuses = [r["status"] for r in answer.json()["results"]]
        assert statuses == (["valid"] * len(numbers) + ["not_found"] * 5)[i:]
