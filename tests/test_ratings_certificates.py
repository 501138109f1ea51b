"""Public verification, revocation, and a person's rating history."""

from __future__ import annotations

import pytest

from services.ratings.domain import certificate_number

from .conftest import Client
from .harness import eventually
from .test_ratings_helpers import World, candidate, national_id


@pytest.fixture
async def issued(client: Client) -> tuple[World, list[str]]:
    world = await World(client).build()
    r = await world.submit(
        "batch-cert-1", [candidate(1, name="张三丰"), candidate(2, name="李四", level="junior")]
    )
    assert r.status_code == 200, r.text
    numbers = [o["certificate_number"] for o in r.json()["outcomes"]]
    r = await world.submit(
        "batch-cert-2", [candidate(1, name="张三丰", level="intermediate")], body="school-demo"
    )
    numbers.append(r.json()["outcomes"][0]["certificate_number"])
    return world, numbers


async def test_verification_masks_the_name_and_never_shows_the_id(
    issued: tuple[World, list[str]],
) -> None:
    world, numbers = issued
    r = await world.client.get(f"/certificates/{numbers[0]}", params={"name": "张三丰"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "valid" and body["holder"] == "张*丰"
    assert body["level"] == "senior" and body["occupation_name"] == "测试职业（虚构）"
    assert body["issuing_body"]["body_id"] == "ent-demo"
    text = r.text
    assert national_id(1) not in text and national_id(1)[-4:] not in text and "张三丰" not in text
    # Without a name the masked record still shows; with another name it is not found.
    assert (await world.client.get(f"/certificates/{numbers[1]}")).json()["holder"] == "李*"
    wrong = await world.client.get(f"/certificates/{numbers[0]}", params={"name": "王五"})
    assert wrong.status_code == 404
    blank = await world.client.get(f"/certificates/{numbers[0]}", params={"name": ""})
    assert blank.json()["holder"] == "张*丰"
    bodies = (await world.client.get("/evaluation-bodies", params={"limit": 1})).json()
    assert [b["body_id"] for b in bodies["items"]] == ["ent-demo"]
    assert len(bodies["items"][0]["authorisations"]) == 3
    rest = await world.client.get("/evaluation-bodies", params={"after": bodies["next_after"]})
    assert [b["body_id"] for b in rest.json()["items"]] == ["school-demo"]

    # Mistyped, malformed and unknown numbers; bulk verification.
    good = numbers[0]
    mistyped = good[:-3] + str((int(good[-3]) + 1) % 10) + good[-2:]
    r = await world.client.get(f"/certificates/{mistyped}")
    assert r.status_code == 400 and r.json()["type"] == "/problems/malformed-certificate-number"
    assert (await world.client.get("/certificates/not-a-number")).status_code == 400
    unknown = certificate_number(2026, 999, 1)
    assert (await world.client.get(f"/certificates/{unknown}")).status_code == 404

    # Bulk verification reports each number.
    items = [
        {"number": numbers[0], "name": "张三丰"},
        {"number": numbers[1], "name": "not the holder"},
        {"number": "2026-1"},
        {"number": certificate_number(2026, 999, 1)},
    ]
    r = await world.client.post("/certificates/verify", json={"items": items})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["valid", "not_found", "malformed", "not_found"]
    assert results[0]["certificate"]["holder"] == "张*丰"
    assert national_id(1) not in r.text
    too_many = {"items": [{"number": numbers[0]}] * 501}
    assert (await world.client.post("/certificates/verify", json=too_many)).status_code == 422


async def test_revocation_shows_in_verification(issued: tuple[World, list[str]]) -> None:
    world, numbers = issued
    c = world.client
    reason = {"reason": "exam irregularity found on review"}
    r = await c.post(f"/certificates/{numbers[0]}/revocation", json=reason, headers=world.school)
    assert r.status_code == 403  # not the issuing body
    assert (await c.post(f"/certificates/{numbers[0]}/revocation", json=reason)).status_code == 401
    r = await c.post(
        f"/certificates/{numbers[0]}/revocation", json=reason, headers=world.enterprise
    )
    assert r.status_code == 201 and r.json()["status"] == "revoked"
    again = await c.post(
        f"/certificates/{numbers[0]}/revocation", json=reason, headers=world.ministry
    )
    assert again.status_code == 409
    r = await c.post(f"/certificates/{numbers[1]}/revocation", json=reason, headers=world.ministry)
    assert r.status_code == 201
    shown = (await c.get(f"/certificates/{numbers[0]}")).json()
    assert shown["status"] == "revoked" and shown["revocation_reason"] == reason["reason"]
    bus = c.runtime.bus

    async def revoked_event() -> bytes | None:
        try:
            msg = await bus.js.get_last_msg(
                bus.stream_name("ratings"), bus.subject("skills.ratings.certificate.revoked")
            )
        except Exception:
            return None
        return msg.data

    # The relay may not have sent the second revocation yet: wait for it to be the last one.
    data = await eventually(
        revoked_event, until=lambda m: m is not None and numbers[1].encode() in m
    )
    assert numbers[1].encode() in data

    # A person's history, asked with the ID in the body; revoked ones show as such.
    ask = {"national_id": national_id(1)}
    r = await c.post("/people/ratings-history", json=ask, headers=world.ministry)
    assert r.status_code == 200
    history = r.json()
    assert sorted(x["number"] for x in history["ratings"]) == sorted([numbers[0], numbers[2]])
    assert history["id_last4"] == national_id(1)[-4:] and national_id(1) not in r.text
    school = await c.post("/people/ratings-history", json=ask, headers=world.school)
    assert [x["number"] for x in school.json()["ratings"]] == [numbers[2]]
    assert (await c.post("/people/ratings-history", json=ask)).status_code == 401
    bad = await c.post(
        "/people/ratings-history", json={"national_id": "123"}, headers=world.ministry
    )
    assert bad.status_code == 422
    stored = await c.runtime.pool.fetchval(
        "SELECT count(*) FROM ratings.certificate WHERE person = $1 OR name LIKE $1",
        national_id(1),
    )
    assert stored == 0


async def test_public_verification_is_rate_limited(issued: tuple[World, list[str]]) -> None:
    world, numbers = issued
    limit = world.client.runtime.settings.verify_rate_per_minute
    statuses = [
        (await world.client.get(f"/certificates/{numbers[0]}")).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429
    # Other routes are not limited.
    assert (await world.client.get("/evaluation-bodies/ent-demo")).status_code == 200
