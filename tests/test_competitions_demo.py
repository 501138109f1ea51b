"""The demo competitions agree with every published WorldSkills fact and label the rest."""

from __future__ import annotations

from typing import Any

import msgspec

from services.competitions import demo
from services.competitions.startup import load_demo

from .conftest import Client
from .harness import eventually


async def loaded(client: Client) -> None:
    runtime = client.runtime
    runtime.settings = msgspec.structs.replace(runtime.settings, load_baseline=True)
    await load_demo(runtime)
    await eventually(
        lambda: client.get("/skills/history", params={"name": "CNC Milling"}),
        until=lambda r: len(r.json()["editions"]) == 5,
    )
    await eventually(
        lambda: client.get("/competitions/WSC2024/medal-table"),
        until=lambda r: len(r.json()["rows"]) == 66,
    )


def row(table: dict[str, Any], member: str) -> dict[str, Any]:
    return next(r for r in table["rows"] if r["member"] == member)


async def test_wsc2024_agrees_with_the_published_facts(client: Client) -> None:
    await loaded(client)
    competition = (await client.get("/competitions/WSC2024")).json()
    assert (competition["starts_on"], competition["ends_on"]) == ("2024-09-10", "2024-09-15")
    assert competition["edition"] == 47 and competition["host_city"] == "Lyon"
    assert "DEMO DATA" in competition["note"] and "Invented" in competition["note"]
    skills = (await client.get("/competitions/WSC2024/skills", params={"limit": 200})).json()
    names = {s["name_en"] for s in skills["items"]}
    assert len(names) == 59 and not any("Demo" in n for n in names)
    assert {
        "Additive Manufacturing",
        "Digital Construction",
        "Industrial Design Technology",
        "Photonics",
        "Renewable Energy",
        "Robot Systems Integration",
    } <= names
    assert len({s["sector"] for s in skills["items"]}) == 6
    cnc = next(s for s in skills["items"] if s["number"] == "07")
    assert cnc["sector"] == "manufacturing_engineering_technology" and cnc["name_zh"] == "数控铣"

    table = (await client.get("/competitions/WSC2024/medal-table")).json()
    assert len(table["rows"]) == 66 and "DEMO DATA" in table["note"] and not table["partial"]
    china, swiss = row(table, "CN"), row(table, "CH")
    assert (china["rank"], china["gold"], china["silver"], china["bronze"]) == (1, 36, 9, 4)
    assert china["excellence"] == 8 and china["skills_entered"] == 59
    assert (swiss["rank"], swiss["gold"], swiss["silver"], swiss["bronze"]) == (3, 7, 7, 1)
    assert swiss["skills_entered"] == 41
    for rank_by in ("total", "score_total"):
        ordered = (
            await client.get("/competitions/WSC2024/medal-table", params={"rank_by": rank_by})
        ).json()
        assert ordered["rows"][0]["member"] == "CN", rank_by
    europe = {"CH", "FR", "DE", "AT", "NL", "BE", "IT", "ES", "GB", "SE", "FI", "DK", "NO"}
    best_european = next(r for r in table["rows"] if r["member"] in europe)
    assert best_european["member"] == "CH"

    history = (await client.get("/members/CN/history", params={"since": 2024})).json()
    lyon = history["competitions"][0]
    assert (lyon["competitors"], lyon["entries"]) == (68, 59)
    entries = (
        await client.get("/competitions/WSC2024/entries", params={"member": "CN", "limit": 100})
    ).json()["items"]
    awarded = [e for e in entries if e["medal"] != "NONE"]
    assert len(awarded) == 57
    swiss_history = (await client.get("/members/CH/history", params={"since": 2024})).json()
    assert swiss_history["competitions"][0]["competitors"] == 45

    awards = (await client.get("/competitions/WSC2024/awards")).json()
    vidal = awards["albert_vidal_award"]
    assert [(r["member"], r["skill"]) for r in vidal] == [("CN", "59")]
    assert [c["name"] for c in vidal[0]["competitors"]] == ["Junwei Lu", "Huixuan Xie"]
    members = (await client.get("/members", params={"limit": 500})).json()["items"]
    named = {m["code"]: (m["name_zh"], m["name_en"]) for m in members}
    assert named["TW"] == ("中国台北", "Chinese Taipei")
    assert named["HK"] == ("中国香港", "Hong Kong, China")
    assert named["CH"] == ("瑞士", "Switzerland")


async def test_china_streaks_and_published_record(client: Client) -> None:
    await loaded(client)
    cnc = (await client.get("/skills/history", params={"name": "CNC Milling"})).json()
    assert cnc["kind"] == "worldskills"
    assert cnc["streaks"][0] == {"member": "CN", "golds": 5, "first": "WSC2015", "last": "WSC2024"}
    assert "PARTIAL" in cnc["notes"]["WSC2015"] and "DEMO DATA" in cnc["notes"]["WSC2024"]
    expected = {"Bricklaying": 4, "Fashion Technology": 4, "Autobody Repair": 3, "Electronics": 3}
    expected |= {"Electrical Installations": 3, "Mobile Robotics": 3, "Welding": 1}
    for name, golds in expected.items():
        body = (await client.get("/skills/history", params={"name": name})).json()
        assert body["streaks"][0]["member"] == "CN" and body["streaks"][0]["golds"] == golds, name
    partial = (await client.get("/competitions/WSC2017/medal-table")).json()
    assert partial["partial"] and "PARTIAL" in partial["note"]
    welding = (await client.get("/competitions/WSC2017/skills/10/results")).json()
    assert welding["results"][0]["mark"] is None
    assert welding["results"][0]["competitors"][0]["name"] == "Ning Xianhai"

    history = (await client.get("/members/CN/history", params={"since": 2010})).json()
    assert history["published"] == [
        {
            "member": "CN",
            "kind": "worldskills",
            "since": 2010,
            "until": 2024,
            "competitions": 7,
            "competitors": 283,
            "gold": 93,
            "silver": 41,
            "bronze": 28,
            "excellence": 71,
            "source": demo.CHINA_SINCE_2010.source,
        }
    ]
    assert history["totals"]["gold"] == 36 + 1 + 4 + 7 + 7  # what the recorded results hold
    listed = (await client.get("/competitions", params={"limit": 20})).json()["items"]
    shanghai = next(c for c in listed if c["code"] == "WSC2026")
    assert shanghai["edition"] == 48 and shanghai["host_city"] == "Shanghai"
    assert (await client.get("/competitions/WSC2026/medal-table")).json()["rows"] == []
    runtime = client.runtime
    await load_demo(runtime)  # already loaded: nothing published again
    revisions = await runtime.pool.fetchval(
        "SELECT count(*) FROM competitions.skill_revision WHERE competition = 'WSC2024'"
    )
    assert revisions == 59
