"""Bad input and permissions: clear problem details, nothing partially applied."""

from __future__ import annotations

from datetime import date
from typing import Any

from schemas.envelope import Event, new_event_id
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState

from .conftest import Client
from .harness import eventually
from .test_competitions_results import current, line, people, publish, setup, skill

GOOD = skill("17", 1, line("FR", 770), line("JP", 765))

BAD_SUBMISSIONS: dict[str, tuple[dict[str, Any], str, str]] = {
    "unknown member": (
        skill("07", 1, line("XX", 700)),
        "skills[1].results[0].member",
        "unknown member 'XX'",
    ),
    "unknown skill": (skill("99", 1, line("CN", 700)), "skills[1].skill", "unknown skill '99'"),
    "team larger than the skill's team size": (
        skill("07", 1, line("CN", 700, competitors=people("CN", "07", 2))),
        "skills[1].results[0].competitors",
        "teams of at most 1",
    ),
    "given medal contradicting the marks": (
        skill("07", 1, line("CN", 760), line("KR", 750, medal="GOLD")),
        "skills[1].results[1].medal",
        "GOLD contradicts the marks: mark 750 earns SILVER",
    ),
    "duplicate entry of a member": (
        skill("07", 1, line("CN", 760), line("CN", 750)),
        "skills[1].results[1].member",
        "duplicate entry",
    ),
}


async def test_each_kind_of_bad_results_is_named_and_nothing_applies(client: Client) -> None:
    organiser = await setup(client)
    for case, (bad, field, message) in BAD_SUBMISSIONS.items():
        response = await publish(client, organiser, [GOOD, bad])
        assert response.status_code == 400, case
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"] == "/problems/invalid-results", case
        assert problem["errors"][0]["field"] == field, case
        assert message in problem["errors"][0]["message"], case
        assert all(e["field"].startswith("skills[1]") for e in problem["errors"]), case
    # The good skill sent alongside was never applied.
    assert (await current(client, "17"))["results"] == []
    malformed = await publish(client, organiser, [skill("17", 1, line("CN", -5))])
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "skills[0].results[0].mark"


async def test_tokens_are_scoped_to_their_role_and_competition(client: Client) -> None:
    await setup(client)
    results = {"skills": [GOOD]}
    url = "/competitions/WSCT2024/results"
    assert (await client.post(url, json=results)).status_code == 401
    other = await client.token("organiser", "another-organiser")
    refused = await client.post(url, json=results, headers=other)
    assert refused.status_code == 403
    assert "another-organiser" in refused.json()["detail"]
    ministry = await client.token("ministry", "mohrss")
    assert (await client.post(url, json=results, headers=ministry)).status_code == 403
    organiser_creates = await client.post(
        "/competitions",
        json={
            "code": "X2024",
            "name": "x",
            "kind": "other",
            "organiser": "worldskills-demo-org",
            "starts_on": "2024-01-01",
            "ends_on": "2024-01-02",
        },
        headers=await client.token("organiser", "worldskills-demo-org"),
    )
    assert organiser_creates.status_code == 403
    skills = await client.post(
        "/competitions/WSCT2024/skills",
        json={"skills": [{"number": "30", "name_en": "Demo", "sector": "creative_arts_fashion"}]},
        headers=other,
    )
    assert skills.status_code == 403
    assert (await current(client, "17"))["results"] == []


async def test_competitions_and_skills_are_not_created_twice(client: Client) -> None:
    organiser = await setup(client)
    again = await client.post(
        "/competitions/WSCT2024/skills",
        json={
            "skills": [
                {
                    "number": "07",
                    "name_en": "CNC Milling",
                    "sector": "manufacturing_engineering_technology",
                },
                {
                    "number": "08",
                    "name_en": "Demo",
                    "sector": "manufacturing_engineering_technology",
                },
            ]
        },
        headers=organiser,
    )
    assert again.status_code == 409 and "07" in again.json()["detail"]
    listed = (await client.get("/competitions/WSCT2024/skills")).json()["items"]
    assert "08" not in [s["number"] for s in listed]
    dates = await client.post(
        "/competitions",
        json={
            "code": "BAD2024",
            "name": "x",
            "kind": "other",
            "organiser": "o",
            "starts_on": "2024-02-01",
            "ends_on": "2024-01-02",
        },
        headers=await client.token("ministry", "mohrss"),
    )
    assert dates.status_code == 400 and dates.json()["errors"][0]["field"] == "ends_on"


async def test_skills_link_only_to_occupations_learned_from_the_catalogue(client: Client) -> None:
    organiser = await setup(client)
    body = {
        "skills": [
            {
                "number": "60",
                "name_en": "Demo Drone Operations",
                "sector": "transportation_logistics",
                "occupation_code": "4-99-00-01",
            }
        ]
    }
    unknown = await client.post("/competitions/WSCT2024/skills", json=body, headers=organiser)
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "skills[0].occupation_code"

    sent: list[str] = []

    async def changed(revision: int, status: str) -> None:
        sent.append(new_event_id())
        state = OccupationState(code="4-99-00-01", level=4, name_zh="演示职业", status=status)  # type: ignore[arg-type]
        await client.runtime.bus.publish(
            Event(
                id=sent[-1],
                source="/tests",
                type=CATALOGUE_CHANGED,
                data=CatalogueChanged(
                    release_id=f"demo-release-{revision}",
                    revision=revision,
                    published_on=date(2024, 6, 1),
                    changes=[state],
                ),
            )
        )

    await changed(5, "active")
    await changed(3, "retired")  # older: must not win over revision 5
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM competitions.inbox WHERE event_id = any($1::text[])", sent
        ),
        until=lambda n: n == 2,
    )
    linked = await client.post("/competitions/WSCT2024/skills", json=body, headers=organiser)
    assert linked.status_code == 201, linked.text
    assert linked.json()["items"][0]["occupation_code"] == "4-99-00-01"
