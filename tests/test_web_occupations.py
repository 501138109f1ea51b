"""Occupation pages in Chinese and English, usable without JavaScript."""

from __future__ import annotations

import dataclasses

import msgspec

from services.occupations.startup import load_demo_releases

from .conftest import Client


async def test_root_sends_visitors_to_the_chinese_home(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/zh/"


async def test_home_in_both_languages_shows_the_catalogue_figures(client: Client) -> None:
    zh = await client.get("/zh/")
    en = await client.get("/en/")
    assert zh.status_code == en.status_code == 200
    assert zh.headers["content-type"].startswith("text/html")
    assert "职业分类" in zh.text and 'lang="zh-CN"' in zh.text
    assert "Occupations" in en.text and 'lang="en"' in en.text
    for page in (zh.text, en.text):
        assert '<dd id="baseline-occupations">1631</dd>' in page
        assert "1639" in page
    # the switch leads to the same page in the other language
    assert 'href="/en/"' in zh.text and 'href="/zh/"' in en.text


async def test_search_by_code_prefix_is_a_plain_form_submission(client: Client) -> None:
    response = await client.get("/zh/occupations", params={"q": "4-04-05"})
    assert response.status_code == 200
    assert "计算机程序设计员" in response.text
    assert 'href="/zh/occupations/4-04-05-01"' in response.text
    assert "6-01" not in response.text
    # the switch keeps the query
    assert 'href="/en/occupations?q=4-04-05"' in response.text


async def test_filters_and_next_page_link(client: Client) -> None:
    first = await client.get("/en/occupations", params={"tag": "green", "level": "4"})
    assert first.status_code == 200
    assert first.text.count('class="tag tag-green"') == 50
    assert 'id="next-page"' in first.text
    link = first.text.split('id="next-page" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = await client.get(link)
    assert second.status_code == 200 and 'class="tag tag-green"' in second.text
    assert set(_codes(first.text)).isdisjoint(_codes(second.text))


async def test_occupation_page_shows_definition_tasks_and_parents(client: Client) -> None:
    response = await client.get("/zh/occupations/4-04-05-01")
    assert response.status_code == 200
    text = response.text
    assert "计算机程序设计员" in text and "数字职业" in text
    assert 'href="/zh/occupations/4-04-05-00"' in text  # parent chain
    assert text.count("<li>") >= 4  # its four main tasks
    group = await client.get("/en/occupations/4-04-05-00")
    assert 'href="/en/occupations/4-04-05-01"' in group.text


async def test_unknown_and_malformed_codes_get_a_clear_page(client: Client) -> None:
    missing = await client.get("/en/occupations/4-99-99-99")
    assert missing.status_code == 404 and "There is no such page or record here." in missing.text
    assert 'id="way-back"' in missing.text
    bad = await client.get("/zh/occupations/not-a-code")
    assert bad.status_code == 400 and "职业编码的格式应为 X-XX-XX-XX" in bad.text
    bad_filter = await client.get("/en/occupations", params={"tag": "purple"})
    assert bad_filter.status_code == 400 and 'role="alert"' in bad_filter.text


async def test_stylesheet_is_served_locally(client: Client) -> None:
    response = await client.get("/static/site.css")
    assert response.status_code == 200 and "--accent" in response.text
    home = (await client.get("/zh/")).text
    assert "http://" not in home.replace('href="http://skillsreg', "") and "https://" not in home


def _codes(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('class="code"><a href="')[1:]]


async def test_search_by_name_release_list_and_occupation_history(client: Client) -> None:
    found = await client.get("/zh/occupations", params={"q": "程序设计"})
    assert found.status_code == 200 and 'href="/zh/occupations/4-04-05-01"' in found.text
    releases = await client.get("/en/releases")
    assert releases.status_code == 200 and 'href="/en/releases/csco-2022"' in releases.text
    release = await client.get("/zh/releases/csco-2022")
    assert release.status_code == 200 and 'href="/zh/occupations/4-04-05-01"' in release.text
    assert (await client.get("/en/releases/no-such-release")).status_code == 404
    occupation = await client.get("/en/occupations/4-04-05-01")
    history = occupation.text.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert 'href="/en/releases/csco-2022"' in history


async def test_open_data_page_lists_the_latest_export(client: Client) -> None:
    # Other tests may have written an export here: the page shows the one the API names as
    # `latest` (asked before and after the page, in case one finished meanwhile), or says none.
    before = (await client.get("/exports")).json()["latest"]
    page = await client.get("/zh/exports")
    after = (await client.get("/exports")).json()["latest"]
    assert page.status_code == 200
    if before is None and after is None:
        assert "尚无数据导出" in page.text
    else:
        assert "尚无数据导出" not in page.text
        assert any(latest and latest in page.text for latest in (before, after))


async def test_release_page_shows_the_baseline_import_report(client: Client) -> None:
    for lang, heading, refused in (
        ("zh", "导入报告", "该编码已是小类"),
        ("en", "Import report", "already a minor group"),
    ):
        page = (await client.get(f"/{lang}/releases/csco-2022")).text
        report = page.split('id="import-report"', 1)[1].split("</section>", 1)[0]
        assert heading in report and '<dd id="occupation-gap">8</dd>' in report
        assert "2051" in report and "1631" in report and refused in report
        for code in ("4-12-04-02", "6-20-05-03", "5-03-00-00", "2-03-01-00"):
            assert code in report


async def test_catalogue_page_shows_the_classification_history_with_sources(
    client: Client,
) -> None:
    zh = (await client.get("/zh/occupations")).text
    history = zh.split('id="classification-history"', 1)[1].split("</section>", 1)[0]
    assert "1999 年首版，收录 1838 个职业" in history and "epaper.tianjinwe.com" in history
    en = (await client.get("/en/occupations")).text
    assert "134 occupations marked green, 8% of the total" in en
    assert 'id="classification-history"' not in (await client.get("/en/occupations?q=4-04")).text


async def test_demo_pages_mark_what_is_invented_and_list_work_types(client: Client) -> None:
    settings = msgspec.structs.replace(client.runtime.settings, load_baseline=True)
    await load_demo_releases(dataclasses.replace(client.runtime, settings=settings))
    home = (await client.get("/en/")).text
    assert '<dd id="baseline-occupations">1631</dd>' in home
    later = home.split('id="later-releases"', 1)[1].split("</table>", 1)[0]
    assert "+19" in later and "+17" in later and "Demo data, partly invented" in later

    found = (await client.get("/zh/occupations", params={"q": "直播招聘师"})).text
    first = found.split('id="results"', 1)[1].split("</tr>", 2)[1]
    assert "4-07-03-08" in first and "匹配工种: 直播招聘师" in first
    demo = (await client.get("/en/occupations", params={"q": "2024新职业示例"})).text
    assert demo.count('class="tag tag-invented"') >= 6

    page = (await client.get("/en/occupations/4-04-05-91")).text
    assert "English name: our translation" in page and "tag-invented" in page
    work_types = page.split('id="work-types"', 1)[1].split("</table>", 1)[0]
    assert "4-04-05-91-01" in work_types and "Generative AI system tester" in work_types
    assert 'href="/en/releases/new-occupations-2025"' in work_types

    proposal = (await client.get("/zh/releases/new-occupations-2024-proposal")).text
    assert 'id="proposal-note"' in proposal and "2024-06-07" in proposal
    assert 'href="/zh/releases/new-occupations-2024"' in proposal  # superseded by
    assert "用户增长运营师" in proposal and "移动作业系统应用设计员" in proposal
    final = (await client.get("/en/releases/new-occupations-2024")).text
    figures = final.split('id="published-figures"', 1)[1].split("</table>", 1)[0]
    assert ">19<" in figures and ">28<" in figures and ">11<" in figures
