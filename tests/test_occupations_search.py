"""Ranked fuzzy search over codes, Chinese and English names and aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import pytest

from .conftest import Client
from .harness import Servers
from .occupations_shared import module_client
from .test_occupations_releases import WAIT, new_release, publish


@pytest.fixture(scope="module")
async def shared_client(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    """One app for the tests below that only read or whose writes are all refused."""
    async for client in module_client(servers, catalogue_template):
        yield client


async def search(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get("/occupations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_exact_name_ranks_first(shared_client: Client) -> None:
    client = shared_client
    found = (await search(client, q="计算机程序设计员"))["items"]
    assert found[0]["code"] == "4-04-05-01"
    assert found[0]["score"] == 1.0
    assert all(a["score"] >= b["score"] for a, b in pairwise(found))


async def test_alias_matches(shared_client: Client) -> None:
    client = shared_client
    found = (await search(client, q="GIS工程师"))["items"]
    assert found[0]["code"] == "2-02-02-07"
    assert "GIS工程师" in found[0]["aliases"]


async def test_code_prefix_matches_and_filters_combine(shared_client: Client) -> None:
    client = shared_client
    found = (await search(client, q="4-04-05", limit=100))["items"]
    assert found and all(o["code"].startswith("4-04-05") for o in found[:9])
    digital = (await search(client, q="工程技术人员", tag="digital", level=4))["items"]
    assert digital and all("digital" in o["tags"] and o["level"] == 4 for o in digital)


async def test_fuzzy_english_after_a_release_adds_names(client: Client) -> None:
    assert (await publish(client, new_release(), **WAIT)).status_code == 201
    found = (await search(client, q="quantum sofware tester"))["items"]  # sic: a typo
    assert found[0]["code"] == "4-04-05-90"
    assert (await search(client, q="Computer programmer"))["items"][0]["code"] == "4-04-05-01"


async def test_ranked_keyset_pages_never_repeat(shared_client: Client) -> None:
    client = shared_client
    everything = (await search(client, q="工程技术", limit=500))["items"]
    seen: list[str] = []
    params: dict[str, Any] = {"q": "工程技术", "limit": 7}
    for _ in range(200):
        page = await search(client, **params)
        seen += [o["code"] for o in page["items"]]
        if not page["next_after"]:
            break
        params["after"] = page["next_after"]
    assert len(seen) == len(set(seen)) > 20
    assert seen == [o["code"] for o in everything]


async def test_bad_search_parameters_are_400(shared_client: Client) -> None:
    client = shared_client
    response = await client.get("/occupations", params={"q": "x" * 101})
    assert response.status_code == 400
    response = await client.get("/occupations", params={"q": "程序", "after": "4-04-05-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "after"
    response = await client.get("/occupations", params={"after": "0.9~4-04-05-01"})
    assert response.status_code == 400
    response = await client.get("/occupations", params={"q": "程序", "as_of": "csco-2022"})
    assert response.status_code == 400
    response = await client.get("/occupations", params={"as_of": "no-such-release"})
    assert response.status_code == 404


async def test_pinyin_in_full_or_by_initials_finds_the_occupation(shared_client: Client) -> None:
    client = shared_client
    for query in ("shukong", "skjc", "ShuKong", "shu kong", "duogongxushukong"):
        found = (await search(client, q=query))["items"]
        assert found, query
        assert found[0]["code"] == "6-18-01-07", (query, found[0])  # 多工序数控机床操作调整工
    exact = (await search(client, q="jisuanjichengxushejiyuan"))["items"][0]
    assert exact["code"] == "4-04-05-01" and exact["score"] == 0.93
    initials = (await search(client, q="jsjcxsjy"))["items"][0]
    assert initials["code"] == "4-04-05-01"
    # names, aliases and codes keep working beside pinyin
    assert (await search(client, q="4-04-05-01"))["items"][0]["score"] == 1.0
    assert (await search(client, q="数控"))["items"][0]["code"] == "6-18-01-07"


async def test_hostile_search_text_is_answered_not_crashed(shared_client: Client) -> None:
    client = shared_client
    hostile = ("%", "_", "\\", "'; drop table x; --", "ｓｈｕｋｏｎｇ", "|", "a|b", "𠀀")
    for query in hostile:
        response = await client.get("/occupations", params={"q": query})
        assert response.status_code == 200, (query, response.text)
    response = await client.get("/occupations", params={"q": "a\x00b"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "q"
    for raw in ("%ED%A0%80", "%FF%FE", "x%00"):  # a lone surrogate, invalid UTF-8, NUL
        response = await client.get(f"/occupations?q={raw}")
        assert response.status_code in (200, 400), (raw, response.text)


async def test_tag_names_find_tagged_occupations(shared_client: Client) -> None:
    client = shared_client
    for query, tag in (("绿色职业", "green"), ("数字职业", "digital"), ("shuzizhiye", "digital")):
        found = (await search(client, q=query, limit=50))["items"]
        assert len(found) == 50 and all(tag in o["tags"] for o in found), query
