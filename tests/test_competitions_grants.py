"""Results grant ratings: a ministry policy, national IDs kept private, each grant once."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from nats.errors import TimeoutError as NatsTimeout

from schemas.envelope import Event, new_event_id
from schemas.grants import RATINGS_GRANTED, RatingsGranted
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState

from .conftest import Client
from .harness import eventually

ORGANISER = "national-contest-demo-org"
OCCUPATION = "6-18-01-01"
# Invented IDs of invented people (well-formed, check digits included).
IDS = {"GD": "440101200001010017", "JS": "320101200002020025", "ZJ": "330101200003030032"}


def entry(province: str, mark: float) -> dict[str, Any]:
    return {
        "member": f"CN-{province}",
        "mark": mark,
        "competitors": [
            {
                "id": f"demo-cnsc-{province.lower()}",
                "name": f"Demo Contestant {province}",
                "national_id": IDS[province],
            }
        ],
    }


async def national_contest(client: Client) -> dict[str, str]:
    await client.runtime.bus.publish(
        Event(
            id=new_event_id(),
            source="/tests",
            type=CATALOGUE_CHANGED,
            data=CatalogueChanged(
                release_id="demo-release",
                revision=7,
                published_on=date(2024, 1, 1),
                changes=[OccupationState(code=OCCUPATION, level=4, name_zh="演示职业")],
            ),
        )
    )
    ministry = await client.token("ministry", "mohrss")
    created = await client.post(
        "/competitions",
        json={
            "code": "CNSCDEMO2023",
            "name": "Demo national skills contest (invented results)",
            "kind": "national",
            "organiser": ORGANISER,
            "starts_on": "2023-09-16",
            "ends_on": "2023-09-19",
            "rules": {"excellence_threshold": None},
        },
        headers=ministry,
    )
    assert created.status_code == 201, created.text
    organiser = await client.token("organiser", ORGANISER)
    provinces = [{"code": f"CN-{p}", "name_en": p, "kind": "province"} for p in IDS]
    await client.post("/members", json={"members": provinces}, headers=organiser)
    skill = {
        "number": "07",
        "name_en": "CNC Milling",
        "sector": "manufacturing_engineering_technology",
        "occupation_code": OCCUPATION,
    }

    async def add_skill() -> int:
        response = await client.post(
            "/competitions/CNSCDEMO2023/skills", json={"skills": [skill]}, headers=organiser
        )
        return response.status_code

    await eventually(add_skill, until=lambda status: status == 201)
    # The ratings service learns the code from the same event; grants need it there too.
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM ratings.occupation WHERE code = $1", OCCUPATION
        ),
        until=lambda n: n == 1,
    )
    return organiser


async def results(client: Client, organiser: dict[str, str], revision: int, *lines: Any) -> None:
    response = await client.post(
        "/competitions/CNSCDEMO2023/results",
        json={"skills": [{"skill": "07", "revision": revision, "results": list(lines)}]},
        headers=organiser | {"Prefer": "wait=10"},
    )
    assert response.json()["status"] == "applied", response.text


async def granted_events(client: Client) -> list[RatingsGranted]:
    """Every grants event on the stream, once the outbox has relayed them all."""
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM competitions.outbox WHERE published_at IS NULL"
        ),
        until=lambda n: n == 0,
    )
    bus = client.runtime.bus
    sub = await bus.js.subscribe(bus.subject(RATINGS_GRANTED), ordered_consumer=True)
    found: list[RatingsGranted] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=0.5)
            found.append(msgspec.json.decode(msg.data, type=Event[RatingsGranted]).data)
    except (NatsTimeout, TimeoutError):
        pass
    finally:
        await sub.unsubscribe()
    return found


async def test_each_grant_is_emitted_once_across_revisions_and_policy_changes(
    client: Client,
) -> None:
    organiser = await national_contest(client)
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760), entry("ZJ", 700))
    ministry = await client.token("ministry", "mohrss")
    policy = {
        "rules": [
            {"medal": "GOLD", "level": "technician"},
            {"medal": "SILVER", "level": "senior"},
        ]
    }
    not_ministry = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy", json=policy, headers=organiser
    )
    assert not_ministry.status_code == 403
    set_policy = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy", json=policy, headers=ministry
    )
    assert set_policy.status_code == 200 and set_policy.json()["granted"] == 2
    # A correction keeps GD gold and JS silver, and lifts ZJ to silver: only ZJ is new.
    await results(client, organiser, 2, entry("GD", 781), entry("JS", 760), entry("ZJ", 760))
    again = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy", json=policy, headers=ministry
    )
    assert again.json() == {"competition": "CNSCDEMO2023", "version": 2, "granted": 0}

    events = await granted_events(client)
    grants = [g for e in events for g in e.grants]
    assert len(grants) == len({g.grant_id for g in grants}) == 3
    by_person = {g.national_id: (g.level, g.medal, g.occupation_code) for g in grants}
    assert by_person == {
        IDS["GD"]: ("technician", "GOLD", OCCUPATION),
        IDS["JS"]: ("senior", "SILVER", OCCUPATION),
        IDS["ZJ"]: ("senior", "SILVER", OCCUPATION),
    }
    assert {g.awarded_on for g in grants} == {date(2023, 9, 19)}
    assert [e.result_revision for e in events] == [1, 2]


async def test_national_ids_never_appear_in_public_responses(client: Client) -> None:
    organiser = await national_contest(client)
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760))
    pages = [
        "/competitions/CNSCDEMO2023/skills/07/results",
        "/competitions/CNSCDEMO2023/entries",
        "/competitions/CNSCDEMO2023/awards",
        "/competitors/demo-cnsc-gd/history",
        "/skills/history?number=07",
        "/members/CN-GD/history",
    ]
    for page in pages:
        response = await client.get(page)
        assert response.status_code == 200, page
        assert not any(i in response.text for i in IDS.values()), page
    assert "Demo Contestant GD" in (await client.get(pages[0])).text
    public = await client.runtime.pool.fetch(
        "SELECT nid_hash FROM competitions.result_competitor WHERE nid_hash IS NOT NULL"
    )
    assert public and not any(r["nid_hash"] in IDS.values() for r in public)


async def test_grants_become_certificates_in_the_ratings_service(client: Client) -> None:
    organiser = await national_contest(client)
    ministry = await client.token("ministry", "mohrss")
    policy = {"rules": [{"medal": "GOLD", "level": "technician"}]}
    response = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy", json=policy, headers=ministry
    )
    assert response.status_code == 200
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760))
    await results(client, organiser, 2, entry("GD", 781), entry("JS", 760))

    async def history(province: str) -> Any:
        return await client.post(
            "/people/ratings-history", json={"national_id": IDS[province]}, headers=ministry
        )

    gold = await eventually(lambda: history("GD"), until=lambda r: bool(r.json()["ratings"]))
    ratings = gold.json()["ratings"]
    assert len(ratings) == 1
    certificate = ratings[0]
    assert (certificate["level"], certificate["occupation_code"]) == ("technician", OCCUPATION)
    assert certificate["issuing_body"]["kind"] == "competition"
    assert (await history("JS")).json()["ratings"] == []  # silver: not in the policy


async def test_top_grades_cannot_be_granted_by_a_policy(client: Client) -> None:
    await national_contest(client)
    ministry = await client.token("ministry", "mohrss")
    response = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy",
        json={"rules": [{"medal": "GOLD", "level": "chief_technician"}]},
        headers=ministry,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rules[0].level"
