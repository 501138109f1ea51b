"""Assessment batches: HTTP in, JetStream, the worker, outcomes and certificates out."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import pytest

from schemas.envelope import Event
from schemas.ratings import ASSESSMENT_SUBMITTED, AssessmentSubmitted
from services.ratings.domain import MAX_BATCH, certificate_number_problem

from .conftest import Client
from .harness import eventually
from .test_ratings_helpers import (
    CODE,
    OTHER_CODE,
    RETIRED_CODE,
    UNKNOWN_CODE,
    World,
    candidate,
    national_id,
)


@pytest.fixture
async def world(client: Client) -> World:
    return await World(client).build()


async def test_batch_issues_certificates_and_records_every_outcome(world: World) -> None:
    candidates = [
        candidate(1),  # passes
        candidate(2, theory=59.5),  # fails
        candidate(3, occupation_code=UNKNOWN_CODE),
        candidate(4, occupation_code=RETIRED_CODE),
        candidate(5, level="chief_technician"),  # enterprise may: passes
        candidate(6, level="technician", review=60),  # passes on the mark
    ]
    r = await world.submit("batch-mixed-1", candidates)
    assert r.status_code == 200, r.text
    batch = r.json()
    assert (batch["candidates"], batch["passed"], batch["failed"], batch["refused"]) == (6, 3, 1, 2)
    by_index = {o["index"]: o for o in batch["outcomes"]}
    assert [by_index[i]["outcome"] for i in range(6)] == [
        "passed",
        "failed",
        "refused",
        "refused",
        "passed",
        "passed",
    ]
    assert "theory 59.5" in by_index[1]["reason"]
    assert "unknown occupation" in by_index[2]["reason"]
    assert "retired" in by_index[3]["reason"]
    numbers = [o["certificate_number"] for o in batch["outcomes"] if o["certificate_number"]]
    assert len(set(numbers)) == 3
    assert all(certificate_number_problem(n) is None for n in numbers)
    assert all(n.startswith("2026-") for n in numbers)

    # The issued certificates went out as one derived event, without national IDs.
    bus = world.client.runtime.bus
    msg = await eventually(
        lambda: _last(world, "skills.ratings.certificate.issued"), until=lambda m: m is not None
    )
    issued = msgspec.json.decode(msg)
    assert sorted(c[0] for c in issued["data"]["certificates"]) == sorted(numbers)
    assert national_id(1) not in msg.decode() and "测试张三丰" not in msg.decode()
    assert bus is not None

    # An exam before the authorisation period is refused.
    r = await world.submit("batch-early", [candidate(1)], exam_date="2025-12-31")
    assert r.json()["outcomes"][0]["outcome"] == "refused"
    assert "on 2025-12-31" in r.json()["outcomes"][0]["reason"]


async def _last(world: World, subject: str) -> bytes | None:
    bus = world.client.runtime.bus
    try:
        msg = await bus.js.get_last_msg(bus.stream_name("ratings"), bus.subject(subject))
    except Exception:
        return None
    return msg.data


async def test_social_body_cannot_issue_top_grades_or_unauthorised_levels(world: World) -> None:
    r = await world.submit(
        "batch-school-1",
        [
            candidate(1, level="special_grade_technician"),
            candidate(2, level="senior_technician"),  # not in the school's authorisation
            candidate(3, occupation_code=OTHER_CODE),  # occupation not authorised
            candidate(4, level="junior"),
        ],
        body="school-demo",
    )
    assert r.status_code == 200, r.text
    outcomes = r.json()["outcomes"]
    assert [o["outcome"] for o in outcomes] == ["refused", "refused", "refused", "passed"]
    assert "enterprise" in outcomes[0]["reason"]
    assert "not authorised for senior_technician" in outcomes[1]["reason"]
    assert f"in {OTHER_CODE}" in outcomes[2]["reason"]

    # Authorisations refuse what a body may never assess; only the ministry grants them.
    url = "/evaluation-bodies/school-demo/authorisations"
    grant = {"occupation_code": CODE, "levels": ["chief_technician"], "valid_from": "2026-01-01"}
    r = await world.client.post(url, json=grant, headers=world.ministry)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "levels"
    unknown = grant | {"occupation_code": UNKNOWN_CODE, "levels": ["junior"]}
    r = await world.client.post(url, json=unknown, headers=world.ministry)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occupation_code"
    r = await world.client.post(url, json=grant | {"levels": ["junior"]}, headers=world.school)
    assert r.status_code == 403
    again = {"body_id": "ent-demo", "name": "Demo enterprise (invented)", "kind": "enterprise"}
    same = await world.client.post("/evaluation-bodies", json=again, headers=world.ministry)
    assert same.status_code == 200
    other = again | {"kind": "social"}
    r = await world.client.post("/evaluation-bodies", json=other, headers=world.ministry)
    assert r.status_code == 409

    # A body the ministry never registered cannot submit at all.
    token = await world.client.token("evaluation_body", "nobody-demo")
    r = await world.submit("batch-nobody", [candidate(1)], body="nobody-demo", headers=token)
    assert r.status_code == 422 and r.json()["type"] == "/problems/unregistered-body"


async def test_every_bad_candidate_is_reported_and_nothing_is_submitted(world: World) -> None:
    bad_check = national_id(1)[:-1] + ("0" if national_id(1)[-1] != "0" else "1")
    candidates = [
        candidate(1),
        candidate(2, national_id=bad_check),
        candidate(3, theory=101),
        candidate(4, practical=-5),
        candidate(1),  # duplicate of candidate 0
        candidate(6, level="technician", review=None),
        candidate(7, level="grandmaster"),
    ]
    r = await world.submit("batch-bad-1", candidates, wait=0)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "/problems/invalid-candidates"
    found = {(e["index"], e["field"].rsplit(".", 1)[1]) for e in problem["errors"]}
    assert found == {
        (1, "national_id"),
        (2, "theory"),
        (3, "practical"),
        (4, "national_id"),
        (5, "review"),
        (6, "level"),
    }
    assert "check digit" in next(e for e in problem["errors"] if e["index"] == 1)["message"]
    status = await world.client.get("/assessment-batches/batch-bad-1", headers=world.enterprise)
    assert status.status_code == 404
    assert await world.count("assessment_batch") == 0 and await world.count("certificate") == 0

    # Oversize and empty batches are refused as a whole.
    many = [
        candidate(i, national_id=national_id(i % 1000, born=f"19{80 + i // 1000}0101"))
        for i in range(MAX_BATCH + 1)
    ]
    r = await world.submit("batch-huge", many, wait=0)
    assert r.status_code == 422 and r.json()["type"] == "/problems/batch-size"
    r = await world.submit("batch-empty", [], wait=0)
    assert r.status_code == 422
    assert await world.count("assessment_batch") == 0


async def test_tokens_act_only_for_their_own_body(world: World) -> None:
    r = await world.submit("batch-x", [candidate(1)], body="ent-demo", headers=world.school)
    assert r.status_code == 403
    r = await world.submit("batch-x", [candidate(1)], headers={})
    assert r.status_code == 401
    organiser = await world.client.token("organiser", "ent-demo")
    r = await world.submit("batch-x", [candidate(1)], headers=organiser)
    assert r.status_code == 403
    assert (await world.submit("batch-own", [candidate(1)])).status_code == 200
    other = await world.client.get("/assessment-batches/batch-own", headers=world.school)
    assert other.status_code == 403
    mine = await world.client.get("/assessment-batches/batch-own", headers=world.enterprise)
    assert mine.status_code == 200 and mine.json()["passed"] == 1
    ministry = await world.client.get("/assessment-batches/batch-own", headers=world.ministry)
    assert ministry.status_code == 200
    assert (await world.client.get("/assessment-batches/batch-own")).status_code == 401

    # Without `Prefer: wait` the answer is 202 with a status URL.
    r = await world.submit("batch-async", [candidate(1)], wait=0)
    assert r.status_code == 202
    url = r.json()["status_url"]
    assert r.headers["location"] == url == "/assessment-batches/batch-async"
    done = await eventually(
        lambda: world.client.get(url, headers=world.enterprise),
        until=lambda resp: resp.status_code == 200,
    )
    assert done.json()["passed"] == 1

    # Lists: a body sees its own batches, newest first, a page at a time.
    first = await world.client.get(
        "/assessment-batches", params={"limit": 1}, headers=world.enterprise
    )
    assert [b["batch_id"] for b in first.json()["items"]] == ["batch-async"]
    after = first.json()["next_after"]
    rest = await world.client.get(
        "/assessment-batches", params={"after": after}, headers=world.enterprise
    )
    assert [b["batch_id"] for b in rest.json()["items"]] == ["batch-own"]
    assert rest.json()["next_after"] is None
    theirs = await world.client.get(
        "/assessment-batches", params={"body_id": "ent-demo"}, headers=world.school
    )
    assert theirs.status_code == 403
    assert (await world.client.get("/assessment-batches", headers=world.school)).json() == {
        "items": [],
        "next_after": None,
    }
    ministry_view = await world.client.get(
        "/assessment-batches", params={"body_id": "ent-demo"}, headers=world.ministry
    )
    assert len(ministry_view.json()["items"]) == 2


async def test_replays_never_issue_twice_and_reused_ids_are_refused(world: World) -> None:
    first = await world.submit("batch-replay", [candidate(1), candidate(2)])
    url = "/assessment-batches/batch-replay"
    page = await world.client.get(url, params={"limit": 1}, headers=world.enterprise)
    assert [o["index"] for o in page.json()["outcomes"]] == [0]
    after = page.json()["next_after"]
    page = await world.client.get(url, params={"after": after}, headers=world.enterprise)
    assert [o["index"] for o in page.json()["outcomes"]] == [1]
    again = await world.submit("batch-replay", [candidate(1), candidate(2)])
    assert first.status_code == again.status_code == 200
    assert first.json()["outcomes"] == again.json()["outcomes"]
    # The same content published again under another event id (an external producer's retry).
    await _publish_raw(world, "batch-replay", [candidate(1), candidate(2)], event_id="retry-1")
    await eventually(_inbox_count(world), until=lambda n: n == 2)
    assert await world.count("certificate") == 2

    # The same batch id with other content is refused.
    assert (await world.submit("batch-reuse", [candidate(1)])).status_code == 200
    page = await world.client.get(
        "/assessment-batches/batch-reuse", params={"limit": 1}, headers=world.enterprise
    )
    assert [o["index"] for o in page.json()["outcomes"]] == [0]
    assert page.json()["next_after"] is None
    r = await world.submit("batch-reuse", [candidate(2)])
    assert r.status_code == 409 and r.json()["type"] == "/problems/batch-id-reused"
    # Discovered only when applying (published straight to the bus): a dead letter.
    await _publish_raw(world, "batch-reuse", [candidate(3)], event_id="sneaky-1")
    reason = await eventually(
        lambda: world.client.runtime.pool.fetchval(
            "SELECT reason FROM ratings.dead_letter WHERE event_id = 'sneaky-1'"
        )
    )
    assert "different content" in reason
    refused = await world.client.get("/dead-letters/ratings", headers=world.ministry)
    [letter] = refused.json()["items"]
    assert letter["event_id"] == "sneaky-1" and letter["subject"] == "batch-reuse"
    assert "different content" in letter["reason"]
    assert (
        await world.client.get("/dead-letters/ratings", headers=world.school)
    ).status_code == 403
    assert await world.count("certificate") == 3


def _inbox_count(world: World):  # type: ignore[no-untyped-def]
    return lambda: world.client.runtime.pool.fetchval(
        "SELECT count(*) FROM ratings.inbox WHERE consumer = 'ratings-assessments'"
    )


async def _publish_raw(
    world: World, batch_id: str, candidates: list[dict], event_id: str, body_id: str = "ent-demo"
) -> None:
    from schemas.ratings import AssessmentBatchCreate
    from services.ratings.handlers.batches import assessment_submitted

    create = msgspec.convert(
        {
            "batch_id": batch_id,
            "body_id": body_id,
            "exam_date": "2026-06-15",
            "candidates": candidates,
        },
        AssessmentBatchCreate,
    )
    key = world.client.runtime.settings.id_hash_key.encode()
    data: AssessmentSubmitted = assessment_submitted(create, key)
    await world.client.runtime.bus.publish(
        Event(id=event_id, source="/tests", type=ASSESSMENT_SUBMITTED, subject=batch_id, data=data)
    )


async def test_a_batch_refused_when_applied_says_so_at_its_status_url(world: World) -> None:
    # Published straight to the bus for a body that was never registered.
    await _publish_raw(world, "batch-ghost", [candidate(4)], event_id="ghost-1", body_id="nobody")
    url = "/assessment-batches/batch-ghost"
    refused = await eventually(
        lambda: world.client.get(url, headers=world.ministry),
        until=lambda r: r.status_code != 404,
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/batch-refused"
    assert "not a registered body" in problem["detail"]
    # Another body may not read it; an unknown batch is still a 404.
    assert (await world.client.get(url, headers=world.enterprise)).status_code == 403
    missing = await world.client.get("/assessment-batches/never-sent", headers=world.ministry)
    assert missing.status_code == 404
    assert await world.count("certificate") == 0


async def test_concurrent_batches_draw_serials_without_waste_and_bodies_are_kept(
    world: World,
) -> None:
    """Batches applied side by side take separate serial lanes; every serial taken is a
    certificate (no lane is drawn on twice for one batch); and since certificates carry no
    per-row foreign key, the body they name can be neither deleted nor renamed."""
    batches = [[candidate(10 * b + i, level="junior") for i in range(3)] for b in range(6)]
    replies = await asyncio.gather(
        *(world.submit(f"batch-lanes-{b}", cs) for b, cs in enumerate(batches))
    )
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    numbers = [o["certificate_number"] for r in replies for o in r.json()["outcomes"]]
    assert len(set(numbers)) == 18
    pool = world.client.runtime.pool
    taken = await pool.fetchval("SELECT sum(last) FROM ratings.certificate_serial")
    assert taken == 18
    # Within a lane, serials run on from 1 without gaps.
    lanes: dict[str, list[int]] = {}
    for n in numbers:
        serial = int(n.split("-")[2])
        lanes.setdefault(str(serial // 12_500_000), []).append(serial % 12_500_000)
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in lanes.values()), lanes

    with pytest.raises(asyncpg.RestrictViolationError, match="cannot be deleted or renamed"):
        await pool.execute("DELETE FROM ratings.body WHERE body_id = 'ent-demo'")
    with pytest.raises(asyncpg.RestrictViolationError):
        await pool.execute(
            "UPDATE ratings.body SET body_id = 'ent-other' WHERE body_id = 'ent-demo'"
        )
    await pool.execute(
        "UPDATE ratings.body SET name = 'Renamed (invented)' WHERE body_id = 'ent-demo'"
    )
    r = await world.client.get(f"/certificates/{numbers[0]}")
    assert r.json()["issuing_body"]["body_id"] == "ent-demo"
