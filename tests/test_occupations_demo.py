"""The demo releases (2024 proposal, 2024, 2025), loaded after the baseline through the bus, held
against every sourced fact of data/new-occupations-facts.md, so the demo cannot drift from them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from services.occupations.startup import load_demo_releases

from .conftest import Client
from .harness import Servers
from .occupations_shared import module_client

FACTS = Path(__file__).resolve().parents[1] / "data" / "new-occupations-facts.md"
PROPOSAL, FINAL, BATCH_2025 = (
    "new-occupations-2024-proposal",
    "new-occupations-2024",
    "new-occupations-2025",
)
WORDS = {"twice": 2, "five": 5, "twelve": 12}


@pytest.fixture(scope="module")
async def demo(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    async for client in module_client(servers, catalogue_template):
        settings = msgspec.structs.replace(client.runtime.settings, load_baseline=True)
        await load_demo_releases(dataclasses.replace(client.runtime, settings=settings))
        status = await client.get(f"/releases/{BATCH_2025}")  # each waited for the one before
        assert status.json()["status"] == "applied", status.text
        yield client


async def release(client: Client, release_id: str) -> dict[str, Any]:
    response = await client.get(f"/releases/{release_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def section(title: str) -> str:
    text = FACTS.read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def named_occupations() -> list[tuple[str, str, bool, bool]]:
    """(Chinese name, English, English is the ministry's own, named only in the proposal)."""
    rows = []
    for line in section("The 2024 batch").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] == "中文名" or not re.match(r"^[\u4e00-\u9fff]", cells[0]):
            continue
        english, proposal_only = cells[1], "proposal only" in cells[1]
        if english.startswith("("):
            rows.append((cells[0], english[1:].split(";")[0], False, proposal_only))
        else:
            rows.append((cells[0], english, True, proposal_only))
    return rows


def number(text: str) -> int:
    return WORDS.get(text) or int(text.replace(",", ""))


def test_the_facts_file_is_read_as_expected() -> None:
    """The parser below must see the 14 named occupations, or the next test proves nothing."""
    names = named_occupations()
    assert len(names) == 14 and sum(official for _, _, official, _ in names) == 6
    assert [zh for zh, _, _, only in names if only] == ["用户增长运营师"]


async def test_every_sourced_occupation_name_is_in_the_data(demo: Client) -> None:
    final = {c["name_zh"]: c for c in (await release(demo, FINAL))["changes"]}
    proposal = {c["name_zh"]: c for c in (await release(demo, PROPOSAL))["changes"]}
    for name_zh, english, official, proposal_only in named_occupations():
        change = (proposal if proposal_only else final).get(name_zh)
        assert change is not None, name_zh
        if proposal_only:
            assert (await demo.get(f"/occupations/{change['code']}")).status_code == 404
            continue
        occupation = (await demo.get(f"/occupations/{change['code']}")).json()["occupation"]
        alternatives = [a.strip().lower() for a in english.split("/")]
        assert occupation["name_en"].lower() in alternatives, (name_zh, occupation["name_en"])
        if official:
            assert occupation["name_en"] == english  # the ministry's own wording, exactly
        assert occupation["name_en_source"] == ("official" if official else "translation")
        assert occupation["invented"] == ["code"]  # the name is sourced, the code is not


async def test_every_sourced_work_type_is_in_the_data(demo: Client) -> None:
    text = section("The 2024 batch")
    named = text.split("New work types named:", 1)[1].split("Codes of the 2024", 1)[0]
    final_part, proposal_part = named.split("in the proposal,")
    expected = {FINAL: re.findall(r"[\u4e00-\u9fff]{3,}", final_part)}
    expected[PROPOSAL] = re.findall(r"[\u4e00-\u9fff]{3,}", proposal_part)
    placed = re.findall(
        r"([\u4e00-\u9fff]+)\s*\(under ([\u4e00-\u9fff]+)\)", section("The 2025 batch")
    )
    expected[BATCH_2025] = [name for name, _ in placed]
    assert [len(v) for v in expected.values()] == [2, 1, 2]
    for release_id, names in expected.items():
        changes = (await release(demo, release_id))["work_type_changes"]
        assert sorted(c["name_zh"] for c in changes) == sorted(names), release_id
    for name, occupation_name in placed:
        found = (await demo.get("/occupations", params={"q": name})).json()["items"][0]
        assert found["matched_work_type"]["name_zh"] == name
        assert found["name_zh"] == occupation_name  # sourced placement, kept


async def test_counts_dates_and_kinds_follow_the_facts(demo: Client) -> None:
    facts = section("The 2024 batch")
    occupations, work_types, adjusted = map(
        number,
        re.search(
            r"(\d+) new occupations, (\d+) new work types \(工种\), (\d+) occupations", facts
        ).groups(),  # type: ignore[union-attr]
    )
    final = (await release(demo, FINAL))["release"]
    assert final["published_on"] == "2024-07-31" and "31 July 2024" in facts
    assert final["added"] == occupations == 19
    assert final["published_figures"]["work_types_added"] == work_types
    assert final["published_figures"]["adjusted"] == adjusted
    assert final["supersedes"] == PROPOSAL

    proposal = (await release(demo, PROPOSAL))["release"]
    assert proposal["kind"] == "proposal" and proposal["superseded_by"] == FINAL
    assert (proposal["published_on"], proposal["comment_until"]) == ("2024-05-24", "2024-06-07")
    listed = re.search(r"proposal then listed (\d+) new work types", facts).group(1)  # type: ignore[union-attr]
    assert proposal["published_figures"]["work_types_added"] == int(listed)

    later = section("The 2025 batch")
    figures = re.search(
        r"(\d+) new occupations and (\d+) new work types.*?(\d+) occupations or work types",
        later,
        re.S,
    ).groups()  # type: ignore[union-attr]
    batch = (await release(demo, BATCH_2025))["release"]
    assert batch["published_on"].startswith("2025-07")
    published = batch["published_figures"]
    assert [batch["added"], published["work_types_added"], published["adjusted"]] == [
        number(f) for f in figures
    ]
    history = {
        (f["key"], f["period"]): f for f in (await demo.get("/occupations/stats")).json()["history"]
    }
    assert history[("yearly_batch", "2024")]["figures"] == {
        "occupations": occupations,
        "work_types": work_types,
        "adjusted": adjusted,
    }
    assert history[("yearly_batch", "2025")]["figures"] == dict(
        zip(("occupations", "work_types", "adjusted"), map(number, figures), strict=True)
    )
    placeholders = [
        c for c in (await release(demo, BATCH_2025))["changes"] if "（演示）" in c["name_zh"]
    ]
    assert len(placeholders) == 17  # our sources name none of the 2025 occupations


async def test_invented_parts_are_marked_and_unnamed_entries_stay_placeholders(
    demo: Client,
) -> None:
    final = await release(demo, FINAL)
    assert "Not official" in final["release"]["source_note"]
    assert "translations" in final["release"]["source_note"]
    placeholders = [c for c in final["changes"] if "（演示）" in c["name_zh"]]
    assert len(placeholders) == 19 - 13
    for change in final["changes"]:
        occupation = (await demo.get(f"/occupations/{change['code']}")).json()["occupation"]
        assert "code" in occupation["invented"]
        assert ("name" in occupation["invented"]) == (change in placeholders)
    found = (await demo.get("/occupations", params={"q": "2024新职业示例"})).json()["items"]
    assert found and all("name" in o["invented"] for o in found)
    real = (await demo.get("/occupations", params={"q": "计算机程序设计员"})).json()["items"][0]
    assert real["invented"] == []


async def test_stats_keep_the_baseline_apart_and_carry_the_sourced_history(demo: Client) -> None:
    stats = (await demo.get("/occupations/stats")).json()
    assert (stats["baseline_release"], stats["baseline_occupations"]) == ("csco-2022", 1631)
    assert stats["official_occupations_2022"] == 1639
    assert stats["occupations_loaded"] == 1631 + 19 + 17
    assert stats["invented_occupations"] == 19 + 17
    assert [
        (r["release_id"], r["occupations_added"], r["invented"]) for r in stats["later_releases"]
    ] == [
        (FINAL, 19, True),
        (BATCH_2025, 17, True),
    ]
    history = {(f["key"], f["period"]): f for f in stats["history"]}
    assert all(f["source"] for f in history.values())
    facts = section("The classification")
    year, first = re.search(r"First edition (\d{4}) with ([\d,]+) occupations", facts).groups()  # type: ignore[union-attr]
    assert history[("first_edition", year)]["figures"] == {"occupations": number(first)}
    groups, total = re.search(r"(\d+) major groups and ([\d,]+) occupations", facts).groups()  # type: ignore[union-attr]
    assert history[("edition_2022", "2022")]["figures"] == {
        "major_groups": number(groups),
        "occupations": number(total),
    }
    revised = re.search(r"revised (\w+)", facts).group(1)  # type: ignore[union-attr]
    assert history[("revisions", "1999–2022")]["figures"] == {"revisions": number(revised)}
    green, share = re.search(r"(\d+) occupations are marked green, (\d+)%", facts).groups()  # type: ignore[union-attr]
    assert history[("green_occupations", "2022")]["figures"] == {
        "occupations": number(green),
        "share_percent": number(share),
    }
    assert stats["by_tag"]["green"] == number(green)  # the loaded baseline agrees
    assert ("first_new_occupations", "2004") in history and "first published in 2004" in facts
    batches, over = re.search(r"by 2009 (\w+) batches, over (\d+)", facts).groups()  # type: ignore[union-attr]
    assert history[("batches_by_2009", "2004–2009")]["figures"] == {
        "batches": number(batches),
        "occupations_over": number(over),
    }
    batches, new = re.search(r"2019–2022 (\w+) batches, (\d+) new", facts).groups()  # type: ignore[union-attr]
    assert history[("batches", "2019–2022")]["figures"] == {
        "batches": number(batches),
        "occupations": number(new),
    }
