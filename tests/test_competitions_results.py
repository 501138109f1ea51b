"""Publishing results over HTTP and NATS: revisions, bad input, status, external producers."""

from __future__ import annotations

from typing import Any

import msgspec

from schemas.competitions import RESULTS_PUBLISHED, ResultsPublished
from schemas.envelope import Event, new_event_id

from .conftest import Client
from .harness import eventually

ORGANISER = "worldskills-demo-org"
SKILLS = [
    {
        "number": "07",
        "name_en": "CNC Milling",
        "name_zh": "数控铣",
        "sector": "manufacturing_engineering_technology",
    },
    {
        "number": "04",
        "name_en": "Mechatronics",
        "sector": "manufacturing_engineering_technology",
        "team_size": 2,
    },
    {
        "number": "17",
        "name_en": "Web Technologies",
        "sector": "information_communication_technology",
    },
    {
        "number": "PO1",
        "name_en": "Demo Pilot Skill",
        "sector": "transportation_logistics",
        "kind": "demonstration",
    },
]
MEMBERS = ["CN", "KR", "FR", "JP", "CH"]


def people(member: str, skill: str, n: int = 1) -> list[dict[str, Any]]:
    return [
        {"id": f"demo-{skill}-{member}-{i}", "name": f"Demo Competitor {skill}-{member}"}
        for i in range(n)
    ]


def line(member: str, mark: float, **extra: Any) -> dict[str, Any]:
    """One result line; `skill()` gives it demo competitors unless it has some."""
    return {"member": member, "mark": mark} | extra


async def setup(
    client: Client, code: str = "WSCT2024", year: int = 2024, **rules: Any
) -> dict[str, str]:
    """A competition with members and skills; returns the organiser's headers."""
    ministry = await client.token("ministry", "mohrss")
    body = {
        "code": code,
        "name": f"Demo WorldSkills-style competition {code}",
        "kind": "worldskills",
        "organiser": ORGANISER,
        "edition": 47,
        "host_city": "Lyon",
        "host_country": "FR",
        "starts_on": f"{year}-09-10",
        "ends_on": f"{year}-09-15",
        "rules": {"tie_threshold": 0, "excellence_threshold": 700} | rules,
    }
    response = await client.post("/competitions", json=body, headers=ministry)
    assert response.status_code == 201, response.text
    organiser = await client.token("organiser", ORGANISER)
    members = [{"code": m, "name_en": f"Member {m}"} for m in MEMBERS]
    response = await client.post("/members", json={"members": members}, headers=organiser)
    assert response.status_code == 201, response.text
    response = await client.post(
        f"/competitions/{code}/skills", json={"skills": SKILLS}, headers=organiser
    )
    assert response.status_code == 201, response.text
    return organiser


async def publish(
    client: Client, headers: dict[str, str], skills: list[dict[str, Any]], code: str = "WSCT2024"
) -> Any:
    return await client.post(
        f"/competitions/{code}/results",
        json={"skills": skills},
        headers=headers | {"Prefer": "wait=10"},
    )


def skill(number: str, revision: int, *lines: dict[str, Any]) -> dict[str, Any]:
    size = 2 if number == "04" else 1
    filled = [{"competitors": people(x["member"], number, size)} | x for x in lines]
    return {"skill": number, "revision": revision, "results": filled}


async def current(client: Client, number: str, code: str = "WSCT2024") -> dict[str, Any]:
    response = await client.get(f"/competitions/{code}/skills/{number}/results")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_results_apply_with_derived_medals_and_a_status_url(client: Client) -> None:
    organiser = await setup(client)
    response = await client.post(
        "/competitions/WSCT2024/results",
        json={"skills": [skill("07", 1, line("CN", 760), line("KR", 760), line("FR", 720))]},
        headers=organiser,
    )
    assert response.status_code == 202, response.text
    status_url = response.json()["status_url"]
    assert response.headers["location"] == status_url
    status = await eventually(
        lambda: client.get(status_url), until=lambda r: r.json()["status"] != "pending"
    )
    assert status.json() == {
        "event_id": response.json()["event_id"],
        "status": "applied",
        "reason": None,
        "applied": ["07"],
        "unchanged": [],
    }
    body = await current(client, "07")
    assert [(r["member"], r["position"], r["medal"]) for r in body["results"]] == [
        ("CN", 1, "GOLD"),
        ("KR", 1, "GOLD"),
        ("FR", 3, "BRONZE"),
    ]
    assert body["results"][0]["competitors"] == [
        {"id": "demo-07-CN-0", "name": "Demo Competitor 07-CN"}
    ]


async def test_higher_revision_replaces_and_keeps_history(client: Client) -> None:
    organiser = await setup(client)
    first = await publish(client, organiser, [skill("07", 1, line("CN", 760), line("KR", 750))])
    assert first.status_code == 200 and first.json()["status"] == "applied"
    second = await publish(client, organiser, [skill("07", 2, line("CN", 740), line("KR", 750))])
    assert second.json()["status"] == "applied"
    body = await current(client, "07")
    assert body["revision"] == 2 and body["history"] == [1]
    assert [(r["member"], r["medal"]) for r in body["results"]] == [
        ("KR", "GOLD"),
        ("CN", "SILVER"),
    ]
    old = (await client.get("/competitions/WSCT2024/skills/07/results?revision=1")).json()
    assert [(r["member"], r["medal"], r["revision"]) for r in old["results"]] == [
        ("CN", "GOLD", 1),
        ("KR", "SILVER", 1),
    ]
    table = (await client.get("/competitions/WSCT2024/medal-table")).json()
    assert [(r["member"], r["gold"], r["silver"]) for r in table["rows"]] == [
        ("KR", 1, 0),
        ("CN", 0, 1),
    ]


async def test_same_revision_same_content_is_a_no_op(client: Client) -> None:
    organiser = await setup(client)
    results = [skill("07", 1, line("CN", 760), line("KR", 750))]
    first = await publish(client, organiser, results)
    again = await publish(client, organiser, [skill("07", 1, line("KR", 750), line("CN", 760))])
    assert again.status_code == 200
    # The same content names the same submission: its outcome is the first one's.
    assert again.json()["event_id"] == first.json()["event_id"]
    status = (await client.get(again.json()["status_url"])).json()
    assert status["applied"] == ["07"]
    assert (await current(client, "07"))["history"] == []


async def test_same_revision_different_content_is_409(client: Client) -> None:
    organiser = await setup(client)
    await publish(client, organiser, [skill("07", 1, line("CN", 760), line("KR", 750))])
    response = await publish(client, organiser, [skill("07", 1, line("CN", 700))])
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/revision-conflict"
    assert "higher revision" in response.json()["detail"]
    assert [r["mark"] for r in (await current(client, "07"))["results"]] == [760, 750]


async def test_lower_revision_is_refused(client: Client) -> None:
    organiser = await setup(client)
    await publish(client, organiser, [skill("07", 3, line("CN", 760))])
    response = await publish(client, organiser, [skill("07", 2, line("KR", 790))])
    assert response.status_code == 409
    assert "older than the applied revision 3" in response.json()["detail"]
    assert (await current(client, "07"))["revision"] == 3


async def test_conflict_found_only_by_the_consumer_is_refused_whole(client: Client) -> None:
    """Two submissions race past the API check; the consumer refuses the loser, all of it."""
    await setup(client)

    def event(*skills: dict[str, Any]) -> Event[ResultsPublished]:
        data = msgspec.convert(
            {"competition": "WSCT2024", "skills": list(skills)}, ResultsPublished
        )
        return Event(id=new_event_id(), source="/tests", type=RESULTS_PUBLISHED, data=data)

    winner = event(skill("07", 1, line("KR", 750)))
    loser = event(skill("17", 1, line("CN", 780)), skill("07", 1, line("KR", 751)))
    await client.runtime.bus.publish(winner)
    await client.runtime.bus.publish(loser)
    status = await eventually(
        lambda: client.get(f"/competitions/WSCT2024/submissions/{loser.id}"),
        until=lambda r: r.json()["status"] != "pending",
    )
    assert status.json()["status"] == "refused"
    assert "different content" in status.json()["reason"]
    assert (await current(client, "07"))["results"][0]["mark"] == 750
    untouched = await current(client, "17")
    assert untouched["revision"] is None and untouched["results"] == []
    elsewhere = await client.get(f"/competitions/OTHER2024/submissions/{loser.id}")
    assert elsewhere.json()["status"] == "pending"  # not an event of that competition
    refused = (await client.get("/competitions/WSCT2024/submissions")).json()["items"]
    assert [(r["event_id"], r["skills"]) for r in refused] == [(loser.id, ["17", "07"])]


async def test_external_scoring_system_publishes_straight_to_nats(client: Client) -> None:
    await setup(client)
    envelope = {
        "specversion": "1.0",
        "id": "scoring-system-run-0001",
        "source": "urn:demo-scoring-system",
        "type": RESULTS_PUBLISHED,
        "actor": "scoring:demo",
        "data": {
            "competition": "WSCT2024",
            "skills": [skill("17", 1, line("JP", 705), line("CH", 715), line("FR", 695))],
        },
    }
    await client.runtime.bus.publish_bytes(
        RESULTS_PUBLISHED, msgspec.json.encode(envelope), msg_id=envelope["id"]
    )
    body = await eventually(lambda: current(client, "17"), until=lambda b: b["revision"] == 1)
    assert [(r["member"], r["medal"]) for r in body["results"]] == [
        ("CH", "GOLD"),
        ("JP", "SILVER"),
        ("FR", "BRONZE"),
    ]
    status = await client.get("/competitions/WSCT2024/submissions/scoring-system-run-0001")
    assert status.json()["status"] == "applied"
