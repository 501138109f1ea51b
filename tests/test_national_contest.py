"""The demo national contest end to end: contest page → competitor → granted certificate →
verification → statistics, in both languages. Everything in the contest is invented; the
2024 new occupations here are invented test codes carrying the names the demo looks for."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import msgspec

from schemas.envelope import Event, new_event_id
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState
from services.competitions import demo_national

from .conftest import Client
from .harness import eventually

NEW = {"4-99-08-01": "工业互联网运维员", "4-99-08-02": "智能制造系统运维员"}  # invented codes


async def _classification(client: Client) -> None:
    """The skills' occupations, as the classification's events bring them to every copy."""
    old = [link for *_, link in demo_national.SKILLS if link not in NEW.values()]
    changes = [OccupationState(code=c, level=4, name_zh=f"测试{c}（虚构）") for c in old]
    await client.runtime.bus.publish(
        Event(id=new_event_id(), source="/tests", type=CATALOGUE_CHANGED, data=CatalogueChanged(
            release_id="test-2022", revision=800, published_on=date(2022, 9, 1), changes=changes))
    )  # fmt: skip
    changes = [OccupationState(code=c, level=4, name_zh=n) for c, n in NEW.items()]
    await client.runtime.bus.publish(
        Event(id=new_event_id(), source="/tests", type=CATALOGUE_CHANGED, data=CatalogueChanged(
            release_id="new-occupations-2024", revision=801, published_on=date(2024, 7, 31),
            changes=changes))
    )  # fmt: skip
    count = "SELECT count(*) FROM {}.occupation WHERE code = any($1::text[])"
    codes = [*old, *NEW]
    for schema in ("ratings", "labour", "competitions"):
        await eventually(
            lambda s=schema: client.runtime.pool.fetchval(count.format(s), codes),
            until=lambda n: n == len(codes),
        )


async def test_contest_to_certificate_to_verification_to_statistics(client: Client) -> None:
    await _classification(client)
    runtime: Any = client.runtime
    demo = SimpleNamespace(
        settings=msgspec.structs.replace(runtime.settings, load_baseline=True),
        pool=runtime.pool,
        bus=runtime.bus,
        stop=runtime.stop,
    )
    await demo_national.load_national_demo(demo)  # type: ignore[arg-type]
    code = demo_national.CODE

    contest = (await client.get(f"/competitions/{code}")).json()
    assert contest["kind"] == "national" and contest["note"].startswith("DEMO DATA")
    table = await eventually(
        lambda: client.get(f"/competitions/{code}/medal-table"),
        until=lambda r: r.status_code == 200 and sum(x["gold"] for x in r.json()["rows"]) == 12,
    )
    rows = table.json()["rows"]
    assert len(rows) == 31 and all(r["member"].startswith("CN-") for r in rows)
    skills = (await client.get(f"/competitions/{code}/skills")).json()["items"]
    assert {s["occupation_code"] for s in skills} >= set(NEW)

    # The gold medallist of skill 11 (set up for a 2024 new occupation) and their certificate.
    results = (await client.get(f"/competitions/{code}/skills/11/results")).json()["results"]
    (gold,) = [r for r in results if r["medal"] == "GOLD"]
    person = gold["competitors"][0]["id"]
    history = await eventually(
        lambda: client.get(f"/competitors/{person}/history"),
        until=lambda r: (r.json()["entries"][0].get("certificate") or {}).get("status") == "valid",
    )
    certificate = history.json()["entries"][0]["certificate"]
    assert (certificate["level"], certificate["occupation_code"]) == ("technician", "4-99-08-01")
    verified = (await client.get(f"/certificates/{certificate['number']}")).json()
    assert verified["status"] == "valid" and verified["level"] == "technician"
    assert verified["issuing_body"]["body_id"] == f"competition:{code}"

    ministry = await client.token("ministry", "mohrss")
    cells = await eventually(
        lambda: client.get(
            "/labour/rating-statistics/cells", params={"origin": "grant"}, headers=ministry
        ),
        until=lambda r: sum(c["certificates"] for c in r.json()["items"]) == 36,
    )
    assert {c["year"] for c in cells.json()["items"]} == {2025}
    public = (
        await client.get("/labour/rating-statistics", params={"year": 2025, "rows": "origin"})
    ).json()
    assert [r["key"] for r in public["rows"]] == ["grant"] and public["grand_total"] == {
        "value": 36,
        "shown": "36",
    }
    assert public["note"].startswith("DEMO DATA")

    # The same path through the pages, in both languages.
    for lang in ("zh", "en"):
        page = await client.get(f"/{lang}/competitions/{code}")
        assert page.status_code == 200 and 'id="data-note"' in page.text
        assert f"/{lang}/competitions/{code}/skills/11" in page.text
        skill = (await client.get(f"/{lang}/competitions/{code}/skills/11")).text
        assert f"/{lang}/competitors/{person}" in skill
        competitor = (await client.get(f"/{lang}/competitors/{person}")).text
        assert certificate["number"] in competitor and f"/{lang}/verify?number=" in competitor
        verify = await client.get(f"/{lang}/verify", params={"number": certificate["number"]})
        assert verify.status_code == 200 and 'id="to-statistics"' in verify.text
        stats = await client.get(
            f"/{lang}/labour/statistics", params={"year": 2025, "rows": "origin"}
        )
        assert (
            stats.status_code == 200 and "<svg" in stats.text and 'id="demo-banner"' in stats.text
        )
        assert ("竞赛晋级" if lang == "zh" else "Competition grant") in stats.text
