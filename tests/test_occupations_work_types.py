"""Work types (工种) as entities: releases add, amend and retire them; history, diff, as_of and
search see them. Proposals are kept but change nothing until a final release supersedes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from .conftest import Client
from .harness import Servers
from .occupations_shared import module_client
from .test_occupations_releases import WAIT, problem_fields, publish

RECRUITER = "4-07-03-08"  # 招聘师, in the 2022 baseline


@pytest.fixture(scope="module")
async def shared_client(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    """One app for the tests below whose writes are all refused."""
    async for client in module_client(servers, catalogue_template):
        yield client


def batch(release_id: str, **parts: Any) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": f"Work-type test {release_id} (invented)",
        "published_on": "2026-03-01",
    } | parts


def work_type(code: str, name_zh: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name_zh": name_zh} | extra


async def test_a_work_type_is_added_amended_and_retired_with_history(client: Client) -> None:
    first = batch(
        "wt-1",
        work_types=[
            work_type(f"{RECRUITER}-91", "直播招聘测试员（虚构）", invented=["code", "name"]),
            work_type(f"{RECRUITER}-92", "校园招聘测试员（虚构）"),
        ],
    )
    response = await publish(client, first, **WAIT)
    assert response.status_code == 201, response.text
    status = response.json()
    assert status["release"]["work_types_added"] == 2 and status["release"]["added"] == 0
    assert [c["code"] for c in status["work_type_changes"]] == [
        f"{RECRUITER}-91",
        f"{RECRUITER}-92",
    ]

    page = (await client.get(f"/occupations/{RECRUITER}")).json()
    listed = {w["code"]: w for w in page["work_types"]}
    assert listed[f"{RECRUITER}-91"]["name_zh"] == "直播招聘测试员（虚构）"
    assert listed[f"{RECRUITER}-91"]["invented"] == ["code", "name"]
    assert page["occupation"]["work_types"] == sorted(listed)
    # adding work types does not amend the occupation itself
    history = (await client.get(f"/occupations/{RECRUITER}/history")).json()["items"]
    assert [h["release_id"] for h in history] == ["csco-2022"]

    second = batch(
        "wt-2",
        work_type_amendments=[{"code": f"{RECRUITER}-91", "name_en": "Live-stream recruiter"}],
        work_type_retirements=[
            {"code": f"{RECRUITER}-92", "replaced_by": [f"{RECRUITER}-91"], "reason": "merged"}
        ],
    )
    assert (await publish(client, second, **WAIT)).status_code == 201
    one = (await client.get(f"/occupations/work-types/{RECRUITER}-91")).json()
    assert one["work_type"]["name_en"] == "Live-stream recruiter"
    assert one["occupation"]["code"] == RECRUITER and one["occupation"]["name_zh"] == "招聘师"
    history = (await client.get(f"/occupations/work-types/{RECRUITER}-91/history")).json()
    assert [(h["release_id"], h["change"]) for h in history["items"]] == [
        ("wt-1", "added"),
        ("wt-2", "amended"),
    ]
    assert history["items"][1]["fields"] == [
        {"field": "name_en", "before": None, "after": "Live-stream recruiter"}
    ]
    retired = (await client.get(f"/occupations/work-types/{RECRUITER}-92")).json()
    assert retired["work_type"]["status"] == "retired"

    diff = (
        await client.get("/occupations/diff", params={"from": "csco-2022", "to": "wt-2"})
    ).json()
    assert diff["counts"] == {"added": 0, "amended": 0, "retired": 0}
    # net over both releases: -91 added (with its new name), -92 added then retired
    assert diff["work_types"]["counts"] == {"added": 2, "amended": 0, "retired": 0}
    diff = (await client.get("/occupations/diff", params={"from": "wt-1", "to": "wt-2"})).json()
    assert diff["work_types"]["counts"] == {"added": 0, "amended": 1, "retired": 1}
    assert diff["work_types"]["retired"][0]["occupation_code"] == RECRUITER

    then = (
        await client.get(
            "/occupations/work-types", params={"as_of": "wt-1", "occupation": RECRUITER}
        )
    ).json()["items"]
    assert [(w["code"], w["status"], w["name_en"]) for w in then] == [
        (f"{RECRUITER}-91", "active", None),
        (f"{RECRUITER}-92", "active", None),
    ]
    old = await client.get("/occupations", params={"as_of": "wt-1", "prefix": RECRUITER})
    assert old.json()["items"][0]["work_types"] == [f"{RECRUITER}-91", f"{RECRUITER}-92"]
    now = await client.get("/occupations", params={"as_of": "wt-2", "prefix": RECRUITER})
    assert now.json()["items"][0]["work_types"] == [f"{RECRUITER}-91"]

    # search finds the occupation by a work type's name, in Chinese, English or pinyin
    for query in ("直播招聘测试员（虚构）", "live-stream recruiter", "zhibozhaopin", "zbzpcsy"):
        found = (await client.get("/occupations", params={"q": query})).json()["items"]
        assert found[0]["code"] == RECRUITER, query
        assert found[0]["matched_work_type"]["code"] == f"{RECRUITER}-91", query
    # a retired work type no longer leads to its occupation
    found = (await client.get("/occupations", params={"q": "校园招聘测试员"})).json()["items"]
    assert all(o["matched_work_type"] is None for o in found)
    # a match on the occupation's own name does not claim a work type
    own = (await client.get("/occupations", params={"q": "招聘师"})).json()["items"][0]
    assert own["code"] == RECRUITER and own["matched_work_type"] is None


async def test_work_type_rules_refuse_with_the_field(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    cases = [
        (
            batch("wt-bad", work_types=[work_type("4-04-05-77-01", "无主工种（虚构）")]),
            "work_types[0].code",
            "not an active occupation",
        ),
        (
            batch("wt-bad", work_types=[work_type("4-04-05-00-01", "小类下工种（虚构）")]),
            "work_types[0].code",
            "not an active occupation",
        ),
        (
            batch(
                "wt-bad",
                work_types=[work_type(f"{RECRUITER}-93", "甲"), work_type(f"{RECRUITER}-93", "乙")],
            ),
            "work_types[1].code",
            "more than once",
        ),
        (
            batch("wt-bad", work_type_amendments=[{"code": f"{RECRUITER}-94", "name_zh": "x"}]),
            "work_type_amendments[0].code",
            "not in the catalogue",
        ),
        (
            batch("wt-bad", work_type_retirements=[{"code": f"{RECRUITER}-94"}]),
            "work_type_retirements[0].code",
            "not in the catalogue",
        ),
        (
            batch(
                "wt-bad",
                retirements=[{"code": RECRUITER}],
                work_types=[work_type(f"{RECRUITER}-95", "随职业撤销（虚构）")],
            ),
            "work_types[0].code",
            "retired by this release",
        ),
        (batch("wt-bad", supersedes="csco-2022"), "supersedes", "only a proposal"),
        (batch("wt-bad", supersedes="no-such-proposal"), "supersedes", "no release"),
    ]
    for body, field, message in cases:
        response = await publish(client, body)
        assert response.status_code == 422, (field, response.text)
        assert message in problem_fields(response).get(field, ""), (field, response.text)
    hostile = batch("wt-bad", work_types=[work_type(f"{RECRUITER}-96", "a\x00b")])
    response = await publish(client, hostile)
    assert response.status_code == 400 and "work_types[0].name_zh" in response.text
    for body in (
        batch("wt-bad", work_types=[work_type("4-07-03-08-9", "短码")]),
        batch("wt-bad", published_figures={"occupations_added": 10**30}),
        batch("wt-bad", work_types=[work_type(f"{RECRUITER}-96", "x", invented=["colour"])]),
    ):
        assert (await publish(client, body)).status_code == 400
    assert (await client.get("/releases/wt-bad")).status_code == 404


async def test_hostile_work_type_reads_are_clear_problems(shared_client: Client) -> None:
    client = shared_client
    assert (await client.get("/occupations/work-types/4-07-03-08-99")).status_code == 404
    assert (await client.get("/occupations/work-types/4-07-03-08-99/history")).status_code == 404
    for path in (
        "/occupations/work-types/4-07-03-08",
        "/occupations/work-types/%00",
        "/occupations/work-types/" + "9" * 5000,
        "/occupations/work-types/4-07-03-08-99/history".replace("99", "%FF"),
    ):
        response = await client.get(path)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for params in (
        {"occupation": "4-07"},
        {"occupation": "\x00"},
        {"after": "x"},
        {"limit": 10**20},
        {"limit": 0},
        {"as_of": "NO SUCH"},
    ):
        response = await client.get("/occupations/work-types", params=params)
        assert response.status_code == 400, (params, response.text)
    missing = await client.get("/occupations/work-types", params={"as_of": "no-such-release"})
    assert missing.status_code == 404


async def test_legacy_code_lists_become_unnamed_work_types(client: Client) -> None:
    """Releases from before work types had names listed codes on the occupation; they apply."""
    body = batch(
        "wt-legacy",
        items=[
            {
                "code": "4-04-05-90",
                "level": 4,
                "name_zh": "旧格式职业（虚构）",
                "work_types": ["4-04-05-90-01"],
            }
        ],
    )
    assert (await publish(client, body, **WAIT)).status_code == 201
    unnamed = (await client.get("/occupations/work-types/4-04-05-90-01")).json()["work_type"]
    assert unnamed["name_zh"] is None and unnamed["status"] == "active"
    replace = batch(
        "wt-legacy-2", amendments=[{"code": "4-04-05-90", "work_types": ["4-04-05-90-02"]}]
    )
    status = (await publish(client, replace, **WAIT)).json()
    assert status["release"]["amended"] == 0  # only its work types changed
    kinds = {c["code"]: c["change"] for c in status["work_type_changes"]}
    assert kinds == {"4-04-05-90-01": "retired", "4-04-05-90-02": "added"}
    refused = batch("wt-legacy-3", retirements=[{"code": "4-04-05-90"}])
    response = await publish(client, refused)
    assert "still holds work types 4-04-05-90-02" in problem_fields(response)["retirements[0].code"]


async def test_a_proposal_is_kept_but_changes_nothing_until_superseded(client: Client) -> None:
    proposal = batch(
        "wt-proposal",
        kind="proposal",
        comment_until="2026-03-15",
        items=[{"code": "4-04-05-91", "level": 4, "name_zh": "拟设职业（虚构）"}],
        work_types=[work_type(f"{RECRUITER}-97", "拟设工种（虚构）")],
    )
    response = await publish(client, proposal, **WAIT)
    assert response.status_code == 201, response.text
    status = response.json()
    assert status["release"]["kind"] == "proposal" and "not applied" in status["detail"]
    assert status["release"]["comment_until"] == "2026-03-15"
    assert [c["code"] for c in status["changes"]] == ["4-04-05-91"]
    assert [c["code"] for c in status["work_type_changes"]] == [f"{RECRUITER}-97"]
    assert (await client.get("/occupations/4-04-05-91")).status_code == 404
    assert (await client.get(f"/occupations/work-types/{RECRUITER}-97")).status_code == 404
    stats = (await client.get("/occupations/stats")).json()
    assert stats["later_releases"] == [] and stats["occupations_loaded"] == 1631

    final = batch(
        "wt-final",
        supersedes="wt-proposal",
        items=[{"code": "4-04-05-91", "level": 4, "name_zh": "拟设职业（虚构）"}],
    )
    assert (await publish(client, final, **WAIT)).status_code == 201
    assert (await client.get("/occupations/4-04-05-91")).status_code == 200
    kept = (await client.get("/releases/wt-proposal")).json()["release"]
    assert kept["superseded_by"] == "wt-final"
    assert (await client.get("/releases/wt-final")).json()["release"]["supersedes"] == "wt-proposal"
    again = batch("wt-final-2", supersedes="wt-proposal")
    response = await publish(client, again)
    assert "already superseded" in problem_fields(response)["supersedes"]
