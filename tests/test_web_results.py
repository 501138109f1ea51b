"""Pages over ratings and competitions: verification form, medal table switch, histories."""

from __future__ import annotations

from .conftest import Client
from .test_competitions_reads import edition, fixture_competition
from .test_competitions_results import line
from .test_ratings_helpers import World, candidate, national_id


async def test_verification_form_shows_the_masked_holder_only(client: Client) -> None:
    world = await World(client).build()
    submitted = await world.submit("batch-web-1", [candidate(1, name="张三丰")])
    number = submitted.json()["outcomes"][0]["certificate_number"]

    form = await client.get("/zh/verify")
    assert form.status_code == 200 and 'id="verify-form"' in form.text
    found = await client.get("/zh/verify", params={"number": number, "name": "张三丰"})
    assert found.status_code == 200
    assert '<dd id="holder">张*丰</dd>' in found.text and "有效" in found.text
    assert "张三丰</dd>" not in found.text and national_id(1) not in found.text
    english = await client.get("/en/verify", params={"number": number})
    assert "Valid" in english.text and "张*丰" in english.text

    wrong_name = await client.get("/en/verify", params={"number": number, "name": "王五"})
    assert wrong_name.status_code == 404 and "No certificate with this number" in wrong_name.text
    malformed = await client.get("/en/verify", params={"number": "not-a-number"})
    assert malformed.status_code == 400 and 'role="alert"' in malformed.text


async def test_medal_table_switches_ordering_with_plain_links(client: Client) -> None:
    await fixture_competition(client)
    home = await client.get("/en/")
    assert 'href="/en/competitions/WSCT2024"' in home.text
    listing = await client.get("/en/competitions")
    assert 'href="/en/competitions/WSCT2024"' in listing.text
    gold = await client.get("/en/competitions/WSCT2024")
    assert gold.status_code == 200 and 'data-rank-by="gold"' in gold.text
    assert _members(gold.text) == ["KR", "CN", "FR", "JP", "CH"]
    assert 'href="/en/competitions/WSCT2024?rank_by=total"' in gold.text
    total = await client.get("/en/competitions/WSCT2024", params={"rank_by": "total"})
    assert 'data-rank-by="total"' in total.text
    assert _members(total.text) == ["CN", "FR", "KR", "JP", "CH"]
    zh = await client.get("/zh/competitions/WSCT2024", params={"rank_by": "points"})
    assert "奖牌积分" in zh.text and _members(zh.text) == ["CN", "FR", "KR", "JP", "CH"]
    bad = await client.get("/en/competitions/WSCT2024", params={"rank_by": "height"})
    assert bad.status_code == 400
    skill = await client.get("/zh/competitions/WSCT2024/skills/07")
    assert skill.status_code == 200 and "数控铣" in skill.text
    assert 'href="/zh/competitors/demo-07-CN-0"' in skill.text and "金牌" in skill.text
    assert 'href="/en/competitions/WSCT2024/skills/07"' in gold.text
    assert (await client.get("/en/competitions/WSCT2024/skills/99")).status_code == 404
    missing = await client.get("/en/competitions/NOPE2000")
    assert missing.status_code == 404


async def test_member_history_draws_medals_per_competition(client: Client) -> None:
    await edition(client, "WSCT2019", 2019, line("KR", 750), line("CN", 740))
    await fixture_competition(client)
    page = await client.get("/zh/members/CN")
    assert page.status_code == 200
    chart = page.text.split('<figure id="medal-chart">', 1)[1].split("</figure>", 1)[0]
    assert chart.startswith("<svg") and "WSCT2019" in chart and "WSCT2024" in chart
    assert chart.index("WSCT2019") < chart.index("WSCT2024")  # oldest first
    assert 'class="bar-gold"' in chart and 'class="bar-silver"' in chart
    assert "http" not in chart.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert (await client.get("/en/members/ZZ")).status_code == 404
    recent = await client.get("/en/members/CN", params={"since": "2020"})
    assert "WSCT2024" in recent.text and "WSCT2019" not in recent.text
    assert (await client.get("/en/members/CN", params={"since": "1"})).status_code == 400


async def test_skill_history_and_competitor_pages(client: Client) -> None:
    await edition(client, "WSCT2019", 2019, line("CN", 750), line("KR", 740))
    await fixture_competition(client)
    skill = await client.get("/en/skills", params={"q": "07"})
    assert skill.status_code == 200 and 'id="streaks"' in skill.text
    streaks = skill.text.split('id="streaks"', 1)[1].split("</table>", 1)[0]
    assert 'href="/en/members/CN"' in streaks
    by_name = await client.get("/zh/skills", params={"q": "CNC Milling"})
    assert 'id="editions"' in by_name.text and "WSCT2019" in by_name.text
    person = await client.get("/en/competitors/demo-07-CN-0")
    assert person.status_code == 200 and "Demo Competitor 07-CN" in person.text
    assert person.text.count('href="/en/competitions/WSCT20') == 2


def _members(html: str) -> list[str]:
    table = html.split('id="medal-table"', 1)[1].split("</table>", 1)[0]
    return [part.split('"', 1)[0] for part in table.split('<a href="/en/members/')[1:]] or [
        part.split('"', 1)[0] for part in table.split('<a href="/zh/members/')[1:]
    ]
