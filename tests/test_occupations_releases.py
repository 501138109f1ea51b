"""Ministry staff publish releases; the catalogue applies them whole and keeps their history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from schemas.envelope import Event
from schemas.occupations import (
    CATALOGUE_CHANGED,
    RELEASE_PUBLISHED,
    CatalogueChanged,
    OccupationRetirement,
    ReleasePublished,
)

from .conftest import Client
from .harness import Servers, eventually
from .occupations_shared import module_client

WAIT = {"Prefer": "wait=15"}


@pytest.fixture(scope="module")
async def shared_client(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    """One app for the tests below that only read or whose writes are all refused."""
    async for client in module_client(servers, catalogue_template):
        yield client


def new_release(release_id: str = "test-batch-2025", **extra: Any) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "title": "Test batch (invented for the test)",
        "published_on": "2025-06-01",
        "items": [
            {
                "code": "4-04-05-90",
                "level": 4,
                "name_zh": "量子软件测试员",
                "name_en": "Quantum software tester",
                "definition": "Tests software for quantum computers (invented).",
                "tasks": ["design test suites", "report defects"],
                "aliases": ["量子测试工程师"],
                "tags": ["digital"],
                "work_types": ["4-04-05-90-01"],
            }
        ],
        "amendments": [
            {"code": "4-04-05-01", "name_en": "Computer programmer", "tags": ["digital", "green"]}
        ],
        "retirements": [{"code": "4-04-05-02", "reason": "merged (test)"}],
        **extra,
    }


async def publish(client: Client, body: Any, **headers: str) -> Any:
    ministry = await client.token("ministry", "mohrss")
    return await client.post("/releases", json=body, headers=ministry | headers)


async def test_release_applies_and_is_readable(client: Client) -> None:
    response = await publish(client, new_release(), **WAIT)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/releases/test-batch-2025"
    status = response.json()
    assert status["status"] == "applied"
    assert status["release"]["added"] == 1
    assert status["release"]["amended"] == 1
    assert status["release"]["retired"] == 1
    kinds = {c["code"]: c["change"] for c in status["changes"]}
    assert kinds == {"4-04-05-90": "added", "4-04-05-01": "amended", "4-04-05-02": "retired"}

    new = (await client.get("/occupations/4-04-05-90")).json()["occupation"]
    assert new["introduced_in"] == "test-batch-2025" and new["tags"] == ["digital"]
    renamed = (await client.get("/occupations/4-04-05-01")).json()["occupation"]
    assert renamed["name_en"] == "Computer programmer"
    assert renamed["tags"] == ["digital", "green"]
    retired = (await client.get("/occupations/4-04-05-02")).json()["occupation"]
    assert retired["status"] == "retired"

    history = (await client.get("/occupations/4-04-05-01/history")).json()["items"]
    assert [(h["release_id"], h["change"]) for h in history] == [
        ("csco-2022", "added"),
        ("test-batch-2025", "amended"),
    ]
    fields = {f["field"]: (f["before"], f["after"]) for f in history[1]["fields"]}
    assert fields == {
        "name_en": (None, "Computer programmer"),
        "tags": (["digital"], ["digital", "green"]),
    }

    diff = (
        await client.get("/occupations/diff", params={"from": "csco-2022", "to": "test-batch-2025"})
    ).json()
    assert diff["counts"] == {"added": 1, "amended": 1, "retired": 1}
    assert diff["retired"][0]["code"] == "4-04-05-02"

    then = await client.get("/occupations", params={"as_of": "csco-2022", "prefix": "4-04-05"})
    old = {o["code"]: o for o in then.json()["items"]}
    assert "4-04-05-90" not in old
    assert old["4-04-05-01"]["name_en"] is None and old["4-04-05-02"]["status"] == "active"
    now = await client.get("/occupations", params={"as_of": "test-batch-2025", "prefix": "4-04-05"})
    current = {o["code"]: o for o in now.json()["items"]}
    assert current["4-04-05-02"]["status"] == "retired" and "4-04-05-90" in current

    listed = (await client.get("/releases")).json()["items"]
    assert [r["release_id"] for r in listed] == ["csco-2022", "test-batch-2025"]


async def assert_nothing_applied(client: Client, release_id: str = "test-batch-2025") -> None:
    assert (await client.get(f"/releases/{release_id}")).status_code == 404
    assert (await client.get("/occupations/4-04-05-90")).status_code == 404
    programmer = (await client.get("/occupations/4-04-05-01")).json()["occupation"]
    assert programmer["name_en"] is None and programmer["updated_in"] == "csco-2022"
    assert (await client.get("/occupations/4-04-05-02")).json()["occupation"]["status"] == "active"


def problem_fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


async def test_bad_code_format_is_refused(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    body = new_release()
    body["items"][0]["code"] = "4-4-05-90"
    response = await publish(client, body)
    assert response.status_code == 400
    assert any("code" in field for field in problem_fields(response))
    await assert_nothing_applied(client)


async def test_missing_parent_group_is_refused(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    body = new_release()
    body["items"][0] |= {"code": "4-04-55-01", "work_types": []}
    response = await publish(client, body)
    assert response.status_code == 422
    assert "4-04-55-00 of 4-04-55-01 does not exist" in problem_fields(response)["items[0].code"]
    await assert_nothing_applied(client)


async def test_duplicate_code_inside_release_is_refused(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    body = new_release()
    body["items"].append(dict(body["items"][0]))
    response = await publish(client, body)
    assert response.status_code == 422
    assert "more than once" in problem_fields(response)["items[1].code"]
    await assert_nothing_applied(client)


async def test_conflicts_with_catalogue_are_refused(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    body = new_release()
    body["items"][0] |= {"code": "4-04-05-03", "work_types": []}  # already in the 2022 edition
    body["amendments"].append({"code": "4-04-05-04"})  # changes nothing
    response = await publish(client, body)
    assert response.status_code == 422
    fields = problem_fields(response)
    assert "already in the catalogue" in fields["items[0].code"]
    assert "changes nothing" in fields["amendments[1].code"]
    response = await publish(client, new_release(kind="baseline"))
    assert "only to an empty catalogue" in problem_fields(response)["kind"]
    await assert_nothing_applied(client)


async def test_retiring_an_unknown_code_is_refused(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    body = new_release(retirements=[{"code": "4-04-05-77"}])
    response = await publish(client, body)
    assert response.status_code == 422
    assert "not in the catalogue" in problem_fields(response)["retirements[0].code"]
    await assert_nothing_applied(client)


async def test_over_limit_release_states_the_limit(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    codes = [f"4-04-{m:02d}-{n:02d}" for m in range(1, 60) for n in range(1, 100)][:5001]
    body = new_release(retirements=[{"code": c} for c in codes])
    response = await publish(client, body)
    assert response.status_code == 413
    assert "the limit is 5000" in response.json()["detail"]
    await assert_nothing_applied(client)


async def test_unknown_field_malformed_json_and_wrong_types_are_400(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    ministry = await client.token("ministry", "mohrss")
    unknown = new_release(colour="red")
    response = await client.post("/releases", json=unknown, headers=ministry)
    assert response.status_code == 400 and "colour" in response.text
    broken = await client.post(
        "/releases",
        content=b'{"release_id": "test-batch-2025", "items": [',
        headers=ministry | {"content-type": "application/json"},
    )
    assert broken.status_code == 400
    wrong = new_release()
    wrong["items"][0]["level"] = "four"
    response = await client.post("/releases", json=wrong, headers=ministry)
    assert response.status_code == 400
    assert "items[0].level" in str(problem_fields(response)) or "level" in response.text
    await assert_nothing_applied(client)


async def test_tokens_are_required_and_must_be_ministry(shared_client: Client) -> None:
    client = shared_client  # refused writes leave nothing behind
    response = await client.post("/releases", json=new_release())
    assert response.status_code == 401
    school = await client.token("evaluation_body", "school-1")
    response = await client.post("/releases", json=new_release(), headers=school)
    assert response.status_code == 403
    assert (await client.get("/dead-letters/occupations", headers=school)).status_code == 403
    await assert_nothing_applied(client)


async def test_identical_republish_is_a_noop_and_different_content_conflicts(
    client: Client,
) -> None:
    first = await publish(client, new_release(), **WAIT)
    assert first.status_code == 201
    again = await publish(client, new_release())
    assert again.status_code == 200
    assert again.json()["status"] == "already applied"
    changed = new_release()
    changed["items"][0]["name_zh"] = "量子软件测试师"
    conflict = await publish(client, changed)
    assert conflict.status_code == 409
    assert conflict.json()["type"] == "/problems/release-conflict"
    item = (await client.get("/occupations/4-04-05-90")).json()["occupation"]
    assert item["name_zh"] == "量子软件测试员"


async def test_status_url_reports_pending_then_applied(client: Client) -> None:
    response = await publish(client, new_release("test-batch-2026"))
    assert response.status_code == 202
    assert response.json()["status"] in ("pending", "applied")
    url = response.headers["location"]
    status = await eventually(
        lambda: client.get(url), until=lambda r: r.json()["status"] == "applied"
    )
    assert status.json()["release"]["release_id"] == "test-batch-2026"


async def test_invalid_event_from_nats_is_dead_lettered_and_later_releases_apply(
    client: Client,
) -> None:
    bus = client.runtime.bus
    # An external producer skips the API: the first item is fine, the retirement is not.
    bad = msgspec.convert(new_release("external-2025"), ReleasePublished)
    bad = msgspec.structs.replace(bad, retirements=[OccupationRetirement(code="4-04-05-77")])
    await bus.publish(Event(id="ext-1", source="/external", type=RELEASE_PUBLISHED, data=bad))
    await bus.publish_bytes(RELEASE_PUBLISHED, b"{not json", msg_id="ext-garbage")

    refused = await eventually(
        lambda: client.get("/releases/external-2025"),
        until=lambda r: r.status_code == 200 and r.json()["status"] == "refused",
    )
    assert "retirements[0].code: cannot retire 4-04-05-77" in refused.json()["reason"]
    assert (await client.get("/occupations/4-04-05-90")).status_code == 404  # all or nothing

    ministry = await client.token("ministry", "mohrss")
    letters = await eventually(
        lambda: client.get("/dead-letters/occupations", headers=ministry),
        until=lambda r: len(r.json()["items"]) == 2,
    )
    garbage, refusal = letters.json()["items"]  # newest first
    assert refusal["event_id"] == "ext-1" and refusal["subject"] == "external-2025"
    assert "not a valid event envelope" in garbage["reason"] and garbage["subject"] is None
    assert (await client.get("/dead-letters/occupations")).status_code == 401

    # The refused id is free again, and the stream keeps flowing.
    response = await publish(client, new_release("external-2025"), **WAIT)
    assert response.status_code == 201, response.text
    assert (await client.get("/occupations/4-04-05-90")).status_code == 200


async def test_catalogue_changed_carries_each_change_with_its_status(client: Client) -> None:
    assert (await publish(client, new_release(), **WAIT)).status_code == 201
    bus = client.runtime.bus
    sub = await bus.js.pull_subscribe(
        bus.subject(CATALOGUE_CHANGED), stream=bus.stream_name("occupations"), durable=None
    )
    msgs = await eventually(lambda: fetch_some(sub), until=lambda m: len(m) == 1)
    event = msgspec.json.decode(msgs[0].data, type=Event[CatalogueChanged])
    states = {s.code: s for s in event.data.changes}
    assert event.data.release_id == "test-batch-2025" and event.data.revision == 2
    assert (states["4-04-05-90"].change, states["4-04-05-90"].status) == ("added", "active")
    assert states["4-04-05-90"].parent_code == "4-04-05-00"
    assert states["4-04-05-01"].change == "amended"
    assert states["4-04-05-01"].tags == ["digital", "green"]
    assert (states["4-04-05-02"].change, states["4-04-05-02"].status) == ("retired", "retired")


async def fetch_some(sub: Any) -> list[Any]:
    try:
        msgs: list[Any] = await sub.fetch(10, timeout=0.5)
    except TimeoutError:
        return []
    return msgs


async def test_retired_codes_stay_retired_and_groups_keep_their_occupations(
    client: Client,
) -> None:
    assert (await publish(client, new_release(), **WAIT)).status_code == 201
    reuse = new_release("test-batch-2026", amendments=[], retirements=[])
    reuse["items"][0] |= {"code": "4-04-05-02", "work_types": []}
    response = await publish(client, reuse)
    assert response.status_code == 422
    assert "retired codes are not reused" in problem_fields(response)["items[0].code"]
    amend = new_release("test-batch-2026", items=[], retirements=[])
    amend["amendments"] = [{"code": "4-04-05-02", "name_en": "Too late"}]
    response = await publish(client, amend)
    assert "it was retired" in problem_fields(response)["amendments[0].code"]
    group = new_release("test-batch-2026", items=[], amendments=[])
    group["retirements"] = [{"code": "4-04-05-00"}]
    response = await publish(client, group)
    assert response.status_code == 422
    assert "still holds 4-04-05-01" in problem_fields(response)["retirements[0].code"]
    assert (await client.get("/releases/test-batch-2026")).status_code == 404
