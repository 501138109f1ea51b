"""Ratings granted by competition results, and our copy of the occupation codes."""

from __future__ import annotations

from datetime import date

from schemas.envelope import Event, new_event_id
from schemas.grants import RATINGS_GRANTED, GrantedRating, RatingsGranted

from .conftest import Client
from .harness import eventually
from .test_ratings_helpers import CODE, RETIRED_CODE, World, national_id, publish_codes


def grant(n: int, **changes: object) -> GrantedRating:
    values: dict[str, object] = {
        "grant_id": f"NSC2026-DEMO:07:{n}",
        "national_id": national_id(n),
        "name": "测试选手王五",
        "occupation_code": CODE,
        "level": "technician",
        "competition_code": "NSC2026-DEMO",
        "skill_number": "07",
        "medal": "GOLD",
        "awarded_on": date(2026, 9, 20),
    }
    return GrantedRating(**(values | changes))  # type: ignore[arg-type]


async def publish_grants(client: Client, revision: int, grants: list[GrantedRating]) -> None:
    await client.runtime.bus.publish(
        Event(
            id=new_event_id(),
            source="/tests",
            type=RATINGS_GRANTED,
            data=RatingsGranted(
                competition_code="NSC2026-DEMO",
                policy_id="demo-policy",
                result_revision=revision,
                grants=grants,
            ),
        )
    )


async def test_grants_issue_certificates_once_per_grant(client: Client) -> None:
    world = await World(client).build()
    pool = client.runtime.pool
    await publish_grants(
        client,
        1,
        [
            grant(1),
            grant(2, national_id=national_id(2)[:-1] + "0" if national_id(2)[-1] != "0" else "1"),
            grant(3, occupation_code=RETIRED_CODE),
            grant(4, level="chief_technician"),
        ],
    )
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.grant_outcome"), until=lambda n: n == 4
    )
    # The results were revised: the event repeats with a higher revision and one more grant.
    await publish_grants(client, 2, [grant(1, medal="SILVER"), grant(5)])
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.grant_outcome"), until=lambda n: n == 5
    )
    rows = await pool.fetch(
        "SELECT grant_id, outcome, reason FROM ratings.grant_outcome ORDER BY grant_id"
    )
    outcomes = {r["grant_id"].rsplit(":", 1)[1]: (r["outcome"], r["reason"]) for r in rows}
    assert outcomes["1"] == ("passed", None) and outcomes["5"] == ("passed", None)
    assert "check digit" in outcomes["2"][1]
    assert "retired" in outcomes["3"][1]
    assert "enterprise" in outcomes["4"][1]
    assert await world.count("certificate") == 2

    history = await client.post(
        "/people/ratings-history", json={"national_id": national_id(1)}, headers=world.ministry
    )
    [rating] = history.json()["ratings"]
    assert rating["origin"] == "grant" and rating["level"] == "technician"
    assert rating["issuing_body"] == {
        "body_id": "competition:NSC2026-DEMO",
        "name": "Competition NSC2026-DEMO",
        "kind": "competition",
    }
    shown = await client.get(f"/certificates/{rating['number']}")
    assert shown.json()["status"] == "valid" and shown.json()["holder"] == "测****五"


async def test_occupation_codes_keep_the_highest_revision(client: Client) -> None:
    code = "4-99-02-01"
    await publish_codes(client, [(code, "retired")], 20_005)
    # An older revision arriving later changes nothing.
    await publish_codes(client, [(code, "active"), ("4-99-02-02", "active")], 20_001, wait=False)
    pool = client.runtime.pool
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.occupation WHERE code = '4-99-02-02'")
    )
    rows = await pool.fetch(
        "SELECT code, status, revision FROM ratings.occupation WHERE code LIKE '4-99-02-%'"
        " ORDER BY code"
    )
    assert [tuple(r) for r in rows] == [
        (code, "retired", 20_005),
        ("4-99-02-02", "active", 20_001),
    ]
