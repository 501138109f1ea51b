"""Finding skills as people type them, kinds kept apart, partial editions and published tallies
(API and pages)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Client
from .test_competitions_demo import loaded


async def search(client: Client, q: str, **params: Any) -> list[str]:
    response = await client.get("/skills", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [m["name_en"] for m in response.json()["items"]]


async def test_skills_found_by_part_of_a_name_or_a_number(client: Client) -> None:
    await loaded(client)
    assert await search(client, "CNC") == ["CNC Milling", "CNC Turning"]
    assert await search(client, "cnc m") == ["CNC Milling"]
    assert await search(client, "数控铣") == ["CNC Milling"]
    assert await search(client, "数控") == ["CNC Milling", "CNC Turning"]
    assert (await search(client, "7"))[0] == "CNC Milling"  # 07, number hits first
    assert (await search(client, "07"))[0] == "CNC Milling"
    assert await search(client, "100%") == [] and await search(client, "_") == []
    assert await search(client, "CNC", kind="national") == []
    matches = (await client.get("/skills", params={"q": "CNC Milling"})).json()["items"]
    assert matches[0]["editions"] == 5 and matches[0]["numbers"] == ["07"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "CNC", "kind": "galactic"}, "kind"),
        ({"q": "CNC", "limit": "0"}, "limit"),
        ({"q": "CNC", "limit": "99999999999999999999"}, "limit"),
    ],
)
async def test_skill_search_refuses_hostile_input(
    client: Client, params: dict[str, str], field: str
) -> None:
    response = await client.get("/skills", params=params)
    assert response.status_code == 400, response.text
    assert field in response.text


async def test_histories_refuse_bad_kinds_and_names(client: Client) -> None:
    for path, params in [
        ("/skills/history", {"name": "a\x00"}),
        ("/skills/history", {"name": "CNC Milling", "kind": "all"}),
        ("/members/CN/history", {"kind": "both"}),
    ]:
        response = await client.get(path, params=params)
        assert response.status_code in (400, 404), (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_published_tallies_are_recorded_by_the_ministry(client: Client) -> None:
    await loaded(client)
    tally = {
        "since": 2017,
        "until": 2019,
        "gold": 1,
        "silver": 0,
        "bronze": 0,
        "excellence": 0,
        "source": "Demo source (invented)",
    }
    organiser = await client.token("organiser", "worldskills-demo-org")
    assert (
        await client.post("/members/KR/published-tallies", json=tally, headers=organiser)
    ).status_code == 403
    ministry = await client.token("ministry", "mohrss")
    response = await client.post("/members/KR/published-tallies", json=tally, headers=ministry)
    assert response.status_code == 201, response.text
    again = await client.post(
        "/members/KR/published-tallies", json=tally | {"gold": 2}, headers=ministry
    )
    assert again.json()["gold"] == 2
    history = (await client.get("/members/KR/history")).json()
    assert [(t["since"], t["gold"]) for t in history["published"]] == [(2017, 2)]
    narrower = (await client.get("/members/KR/history", params={"since": 2018})).json()
    assert narrower["published"] == []
    for body, status in [
        (tally | {"until": 2000}, 400),
        (tally | {"gold": -1}, 400),
        (tally | {"gold": 10**12}, 400),
        (tally | {"source": ""}, 400),
        (tally | {"kind": "cosmic"}, 400),
    ]:
        bad = await client.post("/members/KR/published-tallies", json=body, headers=ministry)
        assert bad.status_code == status, bad.text
    unknown = await client.post("/members/ZZ/published-tallies", json=tally, headers=ministry)
    assert unknown.status_code == 404
    malformed = await client.post("/members/k%00r/published-tallies", json=tally, headers=ministry)
    assert malformed.status_code in (400, 404)


async def test_marks_may_be_left_out_only_in_a_partial_competition(client: Client) -> None:
    await loaded(client)
    organiser = await client.token("organiser", "worldskills-demo-org")
    lines = [{"member": "KR", "competitors": [{"name": "Demo Competitor"}], "medal": "GOLD"}]
    body = {"skills": [{"skill": "02", "revision": 2, "results": lines}]}
    complete = await client.post("/competitions/WSC2024/results", json=body, headers=organiser)
    assert complete.status_code == 400 and "results[0].mark" in complete.text
    mixed = [*lines, {"member": "JP", "competitors": [{"name": "Demo X"}], "mark": 700}]
    body = {"skills": [{"skill": "07", "revision": 2, "results": mixed}]}
    partial = await client.post("/competitions/WSC2017/results", json=body, headers=organiser)
    assert partial.status_code == 400 and "a mark, or none" in partial.text
    below = [{"member": "KR", "competitors": [{"name": "Demo Y"}], "medal": "EXCELLENCE"}]
    body = {"skills": [{"skill": "07", "revision": 2, "results": below}]}
    unplaced = await client.post("/competitions/WSC2017/results", json=body, headers=organiser)
    assert unplaced.status_code == 400 and "position" in unplaced.text


async def test_skill_pages_search_and_switch_kinds(client: Client) -> None:
    await loaded(client)
    several = await client.get("/en/skills", params={"q": "CNC"})
    assert several.status_code == 200 and 'id="skill-matches"' in several.text
    assert "CNC Milling" in several.text and "CNC Turning" in several.text
    one = await client.get("/zh/skills", params={"q": "数控铣"})
    assert one.status_code == 200 and 'id="streaks"' in one.text
    streaks = one.text.split('id="streaks"', 1)[1].split("</table>", 1)[0]
    assert "中国" in streaks and ">5<" in streaks and "WSC2015 – WSC2024" in streaks
    assert "显示：世界技能大赛" in one.text and 'data-kind="national"' in one.text
    by_number = await client.get("/en/skills", params={"q": "7"})
    assert 'id="streaks"' in by_number.text and "CNC Milling" in by_number.text
    national = await client.get("/en/skills", params={"q": "CNC", "kind": "national"})
    assert 'id="no-skill"' in national.text
    member = await client.get("/zh/members/CN")
    assert 'id="published-tally"' in member.text and "283名选手" in member.text
    assert 'id="computed-totals"' in member.text and 'id="data-note"' in member.text
    assert "演示数据" in member.text and "PARTIAL" not in member.text
    english = await client.get("/en/members/CN")
    assert "283 competitors, 93 gold, 41 silver, 28 bronze, 71" in english.text
    assert "DEMO DATA" in english.text and "演示数据" not in english.text


async def test_medal_table_page_names_members_and_lists_each_award_once(client: Client) -> None:
    await loaded(client)
    page = (await client.get("/zh/competitions/WSC2024", params={"rank_by": "total"})).text
    table = page.split('id="medal-table"', 1)[1].split("</table>", 1)[0]
    assert "中国" in table and "瑞士" in table and "中国台北" in table
    assert "🇨🇳" in table and "🇹🇼" not in table  # Chinese Taipei has no flag here
    assert table.count('class="num sorted"') == 67  # the total column: header and 66 rows
    assert not re.search(r'class="num[^"]*">[\d,]+\.0<', page)  # marks read 752, not 752.0
    awards = page.split('id="awards"', 1)[1].split("</table>", 1)[0]
    assert awards.count("阿尔伯特·维达尔奖") == 1 and awards.count("国家最佳") == 66
    assert "Junwei Lu" in awards and "Huixuan Xie" in awards
    skills = page.split('id="skills"', 1)[1]
    assert skills.count('class="sector"') == 6 and "数控铣" in skills
    assert "制造与工程技术" in skills
    assert 'id="data-note"' in page
    partial = await client.get("/en/competitions/WSC2015")
    assert 'id="partial"' in partial.text and "Only some results" in partial.text
    future = await client.get("/en/competitions/WSC2026")
    assert future.status_code == 200 and 'id="no-results"' in future.text
