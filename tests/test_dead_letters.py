"""Dead letters of every consuming service: listed, shown and replayed over HTTP; a stored
poison message never breaks a read."""

from __future__ import annotations

import base64

import msgspec

from schemas.competitions import RESULTS_PUBLISHED
from services.registry import ALL

from .conftest import Client
from .harness import eventually
from .test_competitions_results import line, setup, skill


async def test_every_consuming_service_lists_its_dead_letters_in_openapi(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for service in ALL:
        if not service.consumers:
            continue
        base = f"/dead-letters/{service.name}"
        assert "get" in paths[base], base
        assert "get" in paths[f"{base}/{{letter_id}}"], base
        assert "post" in paths[f"{base}/{{letter_id}}/replay"], base


def results(event_id: str, competition: str, *skills: dict[str, object]) -> bytes:
    return msgspec.json.encode(
        {
            "id": event_id,
            "source": "/scoring",
            "type": RESULTS_PUBLISHED,
            "data": {"competition": competition, "skills": list(skills)},
        }
    )


async def test_refused_results_are_listed_shown_and_replayed_once_fixed(client: Client) -> None:
    organiser = await setup(client)
    ministry, admin = await client.token("ministry", "mohrss"), await client.token("admin", "ops")
    bus = client.runtime.bus
    subject = bus.subject(RESULTS_PUBLISHED)
    # Skill 99 does not exist yet; and a poison message about the same competition.
    await bus.js.publish(
        subject, results("late-skill", "WSCT2024", skill("99", 1, line("CN", 710)))
    )
    poison = results("nul-text", "WSCT2024", skill("07", 1, line("CN", 700, medal="GOLD\x00")))
    await bus.js.publish(subject, poison)

    page = await eventually(
        lambda: client.get("/dead-letters/competitions", headers=ministry),
        until=lambda r: len(r.json()["items"]) == 2,
    )
    poisoned, refused = page.json()["items"]  # newest first
    assert refused["event_id"] == "late-skill" and refused["subject"] == "WSCT2024"
    assert "unknown skill" in refused["reason"] and refused["payload_base64"] is None
    assert poisoned["event_id"] == "nul-text" and "NUL" in poisoned["reason"]
    assert (await client.get("/dead-letters/competitions")).status_code == 401
    assert (await client.get("/dead-letters/competitions", headers=organiser)).status_code == 403

    # Reads that list or look up refusals take a stored NUL in their stride.
    listed = await client.get("/competitions/WSCT2024/submissions")
    assert listed.status_code == 200
    assert [s["skills"] for s in listed.json()["items"]] == [["99"], ["07"]]
    status = await client.get("/competitions/WSCT2024/submissions/nul-text")
    assert status.status_code == 200 and status.json()["status"] == "refused"

    shown = await client.get(f"/dead-letters/competitions/{poisoned['id']}", headers=ministry)
    assert base64.b64decode(shown.json()["payload_base64"]) == poison
    not_replayable = await client.post(
        f"/dead-letters/competitions/{poisoned['id']}/replay", headers=admin
    )
    assert not_replayable.status_code == 409

    # The cause is fixed (the skill is added); the refused event is replayed and applies.
    added = {"skills": [{"number": "99", "name_en": "Late skill (demo)",
                         "sector": "manufacturing_engineering_technology"}]}  # fmt: skip
    response = await client.post("/competitions/WSCT2024/skills", json=added, headers=organiser)
    assert response.status_code == 201, response.text
    url = f"/dead-letters/competitions/{refused['id']}/replay"
    assert (await client.post(url, headers=ministry)).status_code == 403  # admin only
    replayed = await client.post(url, headers=admin)
    assert replayed.status_code == 202, replayed.text
    new_id = replayed.json()["replayed_as"]
    applied = await eventually(
        lambda: client.get(f"/competitions/WSCT2024/submissions/{new_id}"),
        until=lambda r: r.json()["status"] != "pending",
    )
    assert applied.json()["status"] == "applied" and applied.json()["applied"] == ["99"]
    missing = await client.get("/dead-letters/competitions/999999", headers=ministry)
    assert missing.status_code == 404
