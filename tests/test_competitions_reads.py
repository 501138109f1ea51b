"""Public reads: medal tables under each ordering, awards, member/skill/competitor histories."""

from __future__ import annotations

from typing import Any

from .conftest import Client
from .test_competitions_results import line, publish, setup, skill

ORDERINGS = {
    "gold": [(1, "KR"), (2, "CN"), (3, "FR"), (4, "JP"), (5, "CH")],
    "total": [(1, "CN"), (1, "FR"), (3, "KR"), (4, "JP"), (5, "CH")],
    "points": [(1, "CN"), (2, "FR"), (2, "KR"), (4, "JP"), (5, "CH")],
    "score_total": [(1, "CN"), (1, "FR"), (3, "KR"), (4, "JP"), (5, "CH")],
    "score_avg": [(1, "KR"), (2, "CN"), (2, "FR"), (4, "JP"), (5, "CH")],
    "points_per_skill": [(1, "KR"), (2, "CN"), (3, "FR"), (4, "JP"), (5, "CH")],
}


async def fixture_competition(client: Client) -> dict[str, str]:
    """WSCT2024: three official skills and a demonstration skill (all demo data)."""
    organiser = await setup(client)
    response = await publish(
        client,
        organiser,
        [
            skill(
                "07",
                1,
                *(
                    line(m, x)
                    for m, x in [("CN", 780), ("KR", 780), ("FR", 720), ("JP", 705), ("CH", 690)]
                ),
            ),
            skill(
                "04",
                1,
                *(line(m, x) for m, x in [("KR", 760), ("CN", 750), ("FR", 740), ("CH", 700)]),
            ),
            skill("17", 1, line("FR", 770), line("JP", 765), line("CN", 700)),
            # Demonstration skills count in no table and earn no award.
            skill("PO1", 1, line("CN", 800)),
        ],
    )
    assert response.json()["status"] == "applied", response.text
    return organiser


def table(body: dict[str, Any]) -> list[tuple[int, str]]:
    return [(row["rank"], row["member"]) for row in body["rows"]]


async def test_medal_table_under_every_ordering(client: Client) -> None:
    await fixture_competition(client)
    for rank_by, expected in ORDERINGS.items():
        response = await client.get(
            "/competitions/WSCT2024/medal-table", params={"rank_by": rank_by}
        )
        assert response.status_code == 200
        assert table(response.json()) == expected, rank_by
    response = await client.get("/competitions/WSCT2024/medal-table")
    # A proxy may keep it but asks again each time (a 304 while nothing changed): never stale.
    assert set(response.headers["cache-control"].split(", ")) == {"public", "no-cache"}
    gold = response.json()
    cn = next(r for r in gold["rows"] if r["member"] == "CN")
    assert (cn["gold"], cn["silver"], cn["bronze"], cn["excellence"], cn["total"]) == (
        1,
        1,
        1,
        0,
        3,
    )
    assert (cn["points"], cn["score_total"], cn["skills_entered"]) == (9, 2230, 3)
    assert cn["score_avg"] == 743.33 and cn["points_per_skill"] == 3.0
    ict = await client.get(
        "/competitions/WSCT2024/medal-table",
        params={"sector": "information_communication_technology"},
    )
    assert table(ict.json()) == [(1, "FR"), (2, "JP"), (3, "CN")]
    bad = await client.get("/competitions/WSCT2024/medal-table", params={"rank_by": "speed"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "rank_by"


async def test_awards_share_albert_vidal_and_name_best_of_nation(client: Client) -> None:
    await fixture_competition(client)
    awards = (await client.get("/competitions/WSCT2024/awards")).json()
    assert [(r["member"], r["skill"], r["mark"]) for r in awards["albert_vidal_award"]] == [
        ("CN", "07", 780),
        ("KR", "07", 780),
    ]
    assert [(r["member"], r["skill"]) for r in awards["best_of_nation"]] == [
        ("CH", "04"),
        ("CN", "07"),
        ("FR", "17"),
        ("JP", "17"),
        ("KR", "07"),
    ]
    results = (await client.get("/competitions/WSCT2024/skills/07/results")).json()["results"]
    assert [(r["member"], r["albert_vidal_award"], r["best_of_nation"]) for r in results][:3] == [
        ("CN", True, True),
        ("KR", True, True),
        ("FR", False, False),
    ]


async def edition(client: Client, code: str, year: int, *lines: dict[str, Any]) -> None:
    organiser = await setup(client, code, year=year)
    response = await publish(client, organiser, [skill("07", 1, *lines)], code=code)
    assert response.json()["status"] == "applied", response.text


async def test_member_history_with_ranks_and_totals_over_a_range(client: Client) -> None:
    await edition(client, "WSCT2019", 2019, line("KR", 750), line("CN", 740))
    await fixture_competition(client)
    history = (await client.get("/members/CN/history")).json()
    assert [c["competition"] for c in history["competitions"]] == ["WSCT2019", "WSCT2024"]
    latest = history["competitions"][1]
    assert latest["ranks"] == {
        "gold": 2,
        "total": 1,
        "points": 1,
        "score_total": 1,
        "score_avg": 2,
        "points_per_skill": 2,
    }
    assert history["competitions"][0]["silver"] == 1
    assert history["totals"] == {
        "competitions": 2,
        "entries": 4,
        "competitors": 5,
        "gold": 1,
        "silver": 2,
        "bronze": 1,
        "excellence": 0,
    }
    assert history["competitions"][0]["results"] is None
    recent = (
        await client.get("/members/CN/history", params={"since": 2020, "results": "true"})
    ).json()
    assert recent["totals"]["competitions"] == 1 and recent["since"] == 2020
    listed = recent["competitions"][0]["results"]
    assert [(r["skill"], r["medal"], r["best_of_nation"]) for r in listed] == [
        ("04", "SILVER", False),
        ("07", "GOLD", True),
        ("17", "BRONZE", False),
        ("PO1", "GOLD", False),
    ]
    assert (await client.get("/members/XX/history")).status_code == 404


async def test_skill_history_shows_winners_and_gold_streaks(client: Client) -> None:
    await edition(client, "WSCT2019", 2019, line("KR", 750), line("CN", 740))
    await edition(client, "WSCT2022", 2022, line("CN", 750), line("KR", 740))
    await fixture_competition(client)
    body = (await client.get("/skills/history", params={"name": "cnc milling"})).json()
    assert [(e["competition"], [w["member"] for w in e["winners"]]) for e in body["editions"]] == [
        ("WSCT2019", ["KR"]),
        ("WSCT2022", ["CN"]),
        ("WSCT2024", ["CN", "KR"]),
    ]
    assert body["streaks"][0] == {
        "member": "CN",
        "golds": 2,
        "first": "WSCT2022",
        "last": "WSCT2024",
    }
    latest = body["editions"][2]["winners"]
    assert [(w["albert_vidal_award"], w["best_of_nation"]) for w in latest] == [(True, True)] * 2
    by_number = (await client.get("/skills/history", params={"number": "07"})).json()
    assert by_number == body
    missing = await client.get("/skills/history")
    assert missing.status_code == 400


async def test_competitor_history_and_keyset_pages(client: Client) -> None:
    await edition(client, "WSCT2019", 2019, line("KR", 750), line("CN", 740))
    await fixture_competition(client)
    person = (await client.get("/competitors/demo-07-CN-0/history")).json()
    assert [(e["competition"], e["medal"]) for e in person["entries"]] == [
        ("WSCT2019", "SILVER"),
        ("WSCT2024", "GOLD"),
    ]
    assert person["name"] == "Demo Competitor 07-CN"
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = (await client.get("/competitions", params=params)).json()
        seen += [c["code"] for c in page["items"]]
        if not page["next_after"]:
            break
        params["after"] = page["next_after"]
    assert seen == ["WSCT2024", "WSCT2019"]
    entries: list[tuple[str, str]] = []
    params = {"limit": 4}
    while True:
        page = (await client.get("/competitions/WSCT2024/entries", params=params)).json()
        entries += [(e["skill"], e["member"]) for e in page["items"]]
        if not page["next_after"]:
            break
        params["after"] = page["next_after"]
    assert len(entries) == len(set(entries)) == 13 and entries == sorted(entries)
