"""Results grant ratings: a ministry policy, national IDs kept private, each grant once."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import msgspec
from nats.errors import TimeoutError as NatsTimeout

from schemas.envelope import Event, new_event_id
from schemas.grants import RATINGS_GRANTED, RATINGS_WITHDRAWN, RatingsGranted, RatingsWithdrawn
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState

from .conftest import Client
from .harness import eventually

ORGANISER = "national-contest-demo-org"
OCCUPATION = "6-18-01-01"
# Invented IDs of invented people (well-formed, check digits included).
IDS = {"GD": "440101200001010017", "JS": "320101200002020025", "ZJ": "330101200003030032"}
T = TypeVar("T")


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


async def derived_events(client: Client, event_type: str, payload: type[T]) -> list[T]:
    """Every event of a type the competitions service derived, once its outbox is relayed."""
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM competitions.outbox WHERE published_at IS NULL"
        ),
        until=lambda n: n == 0,
    )
    bus = client.runtime.bus
    sub = await bus.js.subscribe(bus.subject(event_type), ordered_consumer=True)
    found: list[T] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=0.5)
            found.append(msgspec.json.decode(msg.data, type=Event[payload]).data)  # type: ignore[valid-type]
    except (NatsTimeout, TimeoutError):
        pass
    finally:
        await sub.unsubscribe()
    return found


async def granted_events(client: Client) -> list[RatingsGranted]:
    return await derived_events(client, RATINGS_GRANTED, RatingsGranted)


async def withdrawn_events(client: Client) -> list[RatingsWithdrawn]:
    return await derived_events(client, RATINGS_WITHDRAWN, RatingsWithdrawn)


async def set_policy(client: Client, *rules: tuple[str, str]) -> None:
    ministry = await client.token("ministry", "mohrss")
    response = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy",
        json={"rules": [{"medal": medal, "level": level} for medal, level in rules]},
        headers=ministry,
    )
    assert response.status_code == 200, response.text


async def ratings_of(client: Client, province: str) -> list[dict[str, Any]]:
    """The person's certificates as the ministry sees them, each with its public verification."""
    ministry = await client.token("ministry", "mohrss")
    history = await client.post(
        "/people/ratings-history", json={"national_id": IDS[province]}, headers=ministry
    )
    assert history.status_code == 200, history.text
    shown = []
    for rating in history.json()["ratings"]:
        verified = await client.get(f"/certificates/{rating['number']}")
        assert verified.status_code == 200, verified.text
        shown.append(verified.json())
    return sorted(shown, key=lambda c: c["number"])


def summary(certificates: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(c["level"], c["status"], c["revocation_reason"]) for c in certificates]


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
    # Grants carry the keyed hash of the ID, its last four characters and the name.
    assert all(len(g.person) == 64 and g.name.startswith("Demo Contestant") for g in grants)
    assert not any(i in msgspec.json.encode(e).decode() for e in events for i in IDS.values())
    by_person = {g.id_last4: (g.level, g.medal, g.occupation_code) for g in grants}
    assert by_person == {
        IDS["GD"][-4:]: ("technician", "GOLD", OCCUPATION),
        IDS["JS"][-4:]: ("senior", "SILVER", OCCUPATION),
        IDS["ZJ"][-4:]: ("senior", "SILVER", OCCUPATION),
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
        "/skills/history?number=07&kind=national",
        "/members/CN-GD/history?kind=national",
    ]
    for page in pages:
        response = await client.get(page)
        assert response.status_code == 200, page
        assert not any(i in response.text for i in IDS.values()), page
    assert "Demo Contestant GD" in (await client.get(pages[0])).text
    kept_apart = (await client.get("/members/CN-GD/history")).json()  # worldskills by default
    assert kept_apart["kind"] == "worldskills" and kept_apart["competitions"] == []
    national = (await client.get(pages[5])).json()
    assert national["kind"] == "national" and len(national["competitions"]) == 1
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


async def test_a_revision_taking_gold_away_revokes_its_certificate_once(client: Client) -> None:
    organiser = await national_contest(client)
    await set_policy(client, ("GOLD", "technician"))
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760))
    await eventually(lambda: ratings_of(client, "GD"), until=lambda c: len(c) == 1)
    # Revision 2 drops GD (e.g. disqualified): JS moves up to gold.
    await results(client, organiser, 2, entry("JS", 760))
    removed = "gold medal in skill 07 removed by result revision 2"
    gd = await eventually(
        lambda: ratings_of(client, "GD"), until=lambda c: c[0]["status"] == "revoked"
    )
    assert summary(gd) == [("technician", "revoked", removed)]
    assert gd[0]["revoked_on"] is not None
    js = await eventually(lambda: ratings_of(client, "JS"), until=lambda c: len(c) == 1)
    assert summary(js) == [("technician", "valid", None)]
    revoked_by = await client.runtime.pool.fetchval(
        "SELECT revoked_by FROM ratings.certificate WHERE number = $1", gd[0]["number"]
    )
    assert revoked_by == f"organiser:{ORGANISER}"

    # The same revision again changes nothing.
    await results(client, organiser, 2, entry("JS", 760))
    [withdrawn] = await withdrawn_events(client)
    assert withdrawn.competition_code == "CNSCDEMO2023" and withdrawn.result_revision == 2
    [withdrawal] = withdrawn.withdrawals
    gd_grant = next(
        g for e in await granted_events(client) for g in e.grants if g.id_last4 == IDS["GD"][-4:]
    )
    assert (withdrawal.grant_id, withdrawal.reason) == (gd_grant.grant_id, removed)
    assert summary(await ratings_of(client, "GD")) == [("technician", "revoked", removed)]
    assert len(await ratings_of(client, "JS")) == 1

    # Revision 3 gives GD gold back: a new grant (a new id), a new valid certificate.
    await results(client, organiser, 3, entry("GD", 780), entry("JS", 760))
    gd = await eventually(lambda: ratings_of(client, "GD"), until=lambda c: len(c) == 2)
    assert sorted(summary(gd)) == [
        ("technician", "revoked", removed),
        ("technician", "valid", None),
    ]
    grants = [g for e in await granted_events(client) for g in e.grants]
    assert len(grants) == len({g.grant_id for g in grants}) == 3
    assert [g.grant_id for g in grants if g.id_last4 == IDS["GD"][-4:]] == [
        gd_grant.grant_id,
        f"{gd_grant.grant_id}:v2",
    ]
    # JS went from gold to silver in revision 3, which the policy does not rate.
    js = await eventually(
        lambda: ratings_of(client, "JS"), until=lambda c: c[0]["status"] == "revoked"
    )
    assert summary(js) == [
        ("technician", "revoked", "gold medal in skill 07 lowered to silver by result revision 3")
    ]


async def test_a_revision_lowering_gold_reissues_at_the_lower_level(client: Client) -> None:
    organiser = await national_contest(client)
    await set_policy(client, ("GOLD", "technician"), ("SILVER", "senior"))
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760))
    await eventually(lambda: ratings_of(client, "JS"), until=lambda c: len(c) == 1)
    # Revision 2 swaps them: GD silver, JS gold.
    await results(client, organiser, 2, entry("GD", 750), entry("JS", 760))
    gd = await eventually(lambda: ratings_of(client, "GD"), until=lambda c: len(c) == 2)
    js = await eventually(lambda: ratings_of(client, "JS"), until=lambda c: len(c) == 2)
    assert sorted(summary(gd)) == [
        ("senior", "valid", None),
        ("technician", "revoked", "gold medal in skill 07 lowered to silver by result revision 2"),
    ]
    assert sorted(summary(js)) == [
        ("senior", "revoked", "silver medal in skill 07 raised to gold by result revision 2"),
        ("technician", "valid", None),
    ]

    await results(client, organiser, 2, entry("GD", 750), entry("JS", 760))
    withdrawn = await withdrawn_events(client)
    assert len(withdrawn) == 1 and len(withdrawn[0].withdrawals) == 2
    grants = [g for e in await granted_events(client) for g in e.grants]
    assert len(grants) == len({g.grant_id for g in grants}) == 4
    assert sorted(summary(await ratings_of(client, "GD"))) == sorted(summary(gd))
    assert sorted(summary(await ratings_of(client, "JS"))) == sorted(summary(js))


async def test_a_revision_keeping_the_rating_withdraws_nothing(client: Client) -> None:
    organiser = await national_contest(client)
    await set_policy(client, ("GOLD", "technician"), ("SILVER", "technician"))
    await results(client, organiser, 1, entry("GD", 780), entry("JS", 760))
    await eventually(lambda: ratings_of(client, "GD"), until=lambda c: len(c) == 1)
    # GD keeps gold with another mark; then GD and JS swap gold and silver, which the policy
    # rates the same.
    await results(client, organiser, 2, entry("GD", 781), entry("JS", 760))
    await results(client, organiser, 3, entry("GD", 770), entry("JS", 790))
    assert await withdrawn_events(client) == []
    assert summary(await ratings_of(client, "GD")) == [("technician", "valid", None)]
    js = await eventually(lambda: ratings_of(client, "JS"), until=lambda c: len(c) == 1)
    assert summary(js) == [("technician", "valid", None)]
    withdrawn = await client.runtime.pool.fetchval(
        "SELECT count(*) FROM competitions.rating_grant WHERE withdrawn_at IS NOT NULL"
    )
    assert withdrawn == 0
