"""The ministry and provinces publish catalogues, pay and packages; the public reads them.

Every code, body and figure here is invented test data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import msgspec
import pytest

from schemas.envelope import Event, new_event_id
from schemas.labour import CATALOGUE_PUBLISHED, CataloguePublished
from schemas.ratings import BODY_AUTHORISED, BODY_REGISTERED, BodyAuthorised, BodyRegistered

from .conftest import Client
from .harness import Servers, eventually
from .occupations_shared import module_client

WAIT = {"Prefer": "wait=15"}
CODES = ["4-99-07-01", "4-99-07-02", "4-99-07-03", "4-99-07-04"]  # invented, active
RETIRED = "4-99-07-05"
GROUP = "4-99-07-00"
NEW = "4-99-07-06"  # added by the invented release `test-new-2026`
NEW2 = "4-99-07-07"  # the same; its package is published by the fixture


@pytest.fixture(scope="module")
async def client(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    async for shared in module_client(servers, catalogue_template):
        await _codes(shared)
        await _body(shared, "labour-test-school", "440000")
        await _published(shared)
        yield shared


async def _published(client: Client) -> None:
    """What the reading tests read (each test may run on its own worker, so none relies on
    another's writes): two quarters of a catalogue, a pay survey, a package."""
    ministry = await client.token("ministry", "mohrss")
    swapped = [{"rank": 1, "occupation_code": CODES[1]}, {"rank": 2, "occupation_code": CODES[0]}]
    package = {
        "occupation_code": NEW2,
        "published_on": "2026-03-01",
        "evaluation_bodies": [{"body_id": "labour-test-school", "selected_on": "2026-02-15"}],
    }
    for path, body in [
        ("/labour/catalogues", catalogue("2025-Q2")),
        ("/labour/catalogues", catalogue("2025-Q3", entries=swapped)),
        ("/labour/pay", pay(year=2025)),
        ("/labour/packages", package),
    ]:
        response = await client.post(path, json=body, headers=ministry | WAIT)
        assert response.status_code == 201, response.text


async def _publish(client: Client, event_type: str, data: Any, subject: str = "test") -> None:
    await client.runtime.bus.publish(
        Event(id=new_event_id(), source="/tests", type=event_type, subject=subject, data=data)
    )


async def _codes(client: Client) -> None:
    """Invented occupations through real releases, so every copy hears of them."""
    ministry = await client.token("ministry", "mohrss")

    def item(code: str, level: int = 4) -> dict[str, Any]:
        return {"code": code, "level": level, "name_zh": f"测试职业{code}（虚构）"}

    releases = [
        {"release_id": "test-labour-codes", "items": [
            item(GROUP, 3), *(item(c) for c in [*CODES, RETIRED])]},
        {"release_id": "test-labour-retire", "kind": "amendment",
         "retirements": [{"code": RETIRED, "reason": "test (invented)"}]},
        {"release_id": "test-new-2026", "items": [item(NEW), item(NEW2)]},
    ]  # fmt: skip
    for release in releases:
        body = {"title": "测试发布（虚构）", "published_on": "2026-01-01"} | release
        response = await client.post("/releases", json=body, headers=ministry | WAIT)
        assert response.status_code == 201, response.text
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM labour.occupation WHERE code LIKE '4-99-07-%' AND revision > 1"
        ),
        until=lambda n: n == len(CODES) + 4,
    )
    assert (
        await client.runtime.pool.fetchval(
            "SELECT status FROM labour.occupation WHERE code = $1", RETIRED
        )
        == "retired"
    )


async def _body(client: Client, body_id: str, province: str) -> None:
    registered = BodyRegistered(
        body_id=body_id, body_no=990, name="测试学校（虚构）", kind="social", province=province
    )
    await _publish(client, BODY_REGISTERED, registered)
    authorised = BodyAuthorised(
        body_id=body_id,
        authorisation_id=99_001,
        occupation_code=NEW,
        levels=["junior", "intermediate"],
        valid_from=date(2026, 1, 1),
        valid_to=None,
    )
    await _publish(client, BODY_AUTHORISED, authorised)
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM labour.authorisation WHERE body_id = $1", body_id
        ),
        until=lambda n: n == 1,
    )


def catalogue(period: str = "2026-Q1", region: str = "national", **changes: Any) -> dict[str, Any]:
    body = {
        "kind": "shortage",
        "region": region,
        "period": period,
        "title": "测试紧缺职业目录（虚构）",
        "published_on": "2026-04-20",
        "note": "test data, invented",
        "entries": [
            {"rank": i + 1, "occupation_code": code, "demand_supply_ratio": 3.0 - i / 2}
            for i, code in enumerate(CODES[:3])
        ],
    }
    return body | changes


def pay(**changes: Any) -> dict[str, Any]:
    row = {"occupation_code": CODES[0], "level": "junior", "p10": 3000, "p25": 3600, "p50": 4200,
           "p75": 5000, "p90": 6100, "sample_size": 120}  # fmt: skip
    body = {
        "region": "440000",
        "year": 2026,
        "title": "测试薪酬（虚构）",
        "published_on": "2026-12-01",
        "source": "test survey (invented)",
        "rows": [
            row,
            row
            | {"level": "senior", "p10": 4100, "p25": 4800, "p50": 5600, "p75": 6600, "p90": 7900},
            row | {"occupation_code": CODES[1], "p50": 4600, "p75": 5100, "p90": 6000},
        ],
        "minimum_pay": [{"level": "junior", "monthly": 2900}],
    }
    return body | changes


async def test_a_catalogue_applies_reads_back_and_moves_between_periods(client: Client) -> None:
    ministry = await client.token("ministry", "mohrss")
    first = await client.post(
        "/labour/catalogues", json=catalogue("2025-Q4"), headers=ministry | WAIT
    )
    assert first.status_code == 201, first.text
    status = first.json()
    assert status["status"] == "applied"
    assert status["resource_url"] == "/labour/catalogues/shortage.national.2025-Q4"
    assert first.headers["location"] == status["status_url"]
    assert (await client.get(status["status_url"])).json()["status"] == "applied"

    moved = catalogue(entries=[
        {"rank": 1, "occupation_code": CODES[2]},
        {"rank": 2, "occupation_code": CODES[0]},
        {"rank": 3, "occupation_code": CODES[3]},
    ])  # fmt: skip
    accepted = await client.post("/labour/catalogues", json=moved, headers=ministry)
    assert accepted.status_code == 202 and accepted.json()["status"] == "pending"
    url = accepted.json()["status_url"]
    await eventually(lambda: client.get(url), until=lambda r: r.json()["status"] == "applied")

    read = (await client.get("/labour/catalogues/shortage.national.2026-Q1")).json()
    assert read["previous_period"] == "2025-Q4"
    assert [(e["occupation_code"], e["movement"]) for e in read["entries"]] == [
        (CODES[2], "up"),
        (CODES[0], "down"),
        (CODES[3], "new"),
    ]
    assert read["entries"][0]["name_zh"] == f"测试职业{CODES[2]}（虚构）"
    movers = await client.get(
        "/labour/catalogues/movers", params={"kind": "shortage", "from": "2025-Q4", "to": "2026-Q1"}
    )
    body = movers.json()
    assert [m["occupation_code"] for m in body["entered"]] == [CODES[3]]
    assert [m["occupation_code"] for m in body["left"]] == [CODES[1]]
    assert [(m["from_rank"], m["to_rank"]) for m in body["rose"]] == [(3, 1)]
    assert [(m["from_rank"], m["to_rank"]) for m in body["fell"]] == [(1, 2)]
    history = (await client.get(f"/labour/occupations/{CODES[2]}/demand")).json()
    (series,) = history["series"]
    assert [(p["period"], p["rank"]) for p in series["points"]][-2:] == [
        ("2025-Q4", 3),
        ("2026-Q1", 1),
    ]

    again = await client.post("/labour/catalogues", json=moved, headers=ministry)
    assert again.status_code == 200 and again.json()["status"] == "already applied"
    other = await client.post(
        "/labour/catalogues", json=moved | {"title": "改了"}, headers=ministry
    )
    assert other.status_code == 409
    corrected = moved | {"revision": 2, "title": "更正（虚构）"}
    fixed = await client.post("/labour/catalogues", json=corrected, headers=ministry | WAIT)
    assert fixed.status_code == 201
    read = (await client.get("/labour/catalogues/shortage.national.2026-Q1")).json()
    assert read["catalogue"]["revision"] == 2 and read["catalogue"]["title"] == "更正（虚构）"
    older = await client.post("/labour/catalogues", json=moved, headers=ministry)
    assert older.status_code == 409 and "older" in older.json()["detail"]


async def test_a_province_publishes_for_its_own_region_only(client: Client) -> None:
    guangdong = await client.token("province", "440000")
    own = await client.post(
        "/labour/catalogues", json=catalogue(region="440000"), headers=guangdong | WAIT
    )
    assert own.status_code == 201, own.text
    before = await client.runtime.pool.fetchval("SELECT count(*) FROM labour.submission")
    for region in ("national", "320000"):
        refused = await client.post(
            "/labour/catalogues", json=catalogue(region=region), headers=guangdong
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "/problems/out-of-region"
    package = {"occupation_code": NEW, "published_on": "2026-02-01"}
    assert (
        await client.post("/labour/packages", json=package, headers=guangdong)
    ).status_code == 403
    school = await client.token("evaluation_body", "labour-test-school")
    assert (await client.post("/labour/pay", json=pay(), headers=school)).status_code == 403
    assert await client.runtime.pool.fetchval("SELECT count(*) FROM labour.submission") == before


async def test_codes_the_classification_does_not_hold_are_refused_by_entry(client: Client) -> None:
    ministry = await client.token("ministry", "mohrss")
    entries = [
        {"rank": 1, "occupation_code": CODES[0]},
        {"rank": 2, "occupation_code": RETIRED},
        {"rank": 2, "occupation_code": "4-99-07-77"},
        {"rank": 4, "occupation_code": GROUP},
        {"rank": 5, "occupation_code": CODES[0]},
    ]
    before = await client.runtime.pool.fetchval("SELECT count(*) FROM labour.submission")
    response = await client.post(
        "/labour/catalogues", json=catalogue("2026-Q2", entries=entries), headers=ministry
    )
    assert response.status_code == 422
    errors = {(e["field"], e["message"]) for e in response.json()["errors"]}
    assert errors == {
        ("entries[1].occupation_code", f"{RETIRED} is retired"),
        ("entries[2].rank", "rank 2 is also entries[1]"),
        ("entries[2].occupation_code", "4-99-07-77 is not an occupation of the classification"),
        ("entries[3].occupation_code", f"{GROUP} is a group, not an occupation"),
        ("entries[4].occupation_code", f"{CODES[0]} is also entries[0]"),
    }
    assert await client.runtime.pool.fetchval("SELECT count(*) FROM labour.submission") == before
    missing = await client.get("/labour/catalogues/shortage.national.2026-Q2")
    assert missing.status_code == 404


async def test_a_retired_code_published_straight_to_the_bus_is_dead_lettered(
    client: Client,
) -> None:
    body = catalogue("2027-Q1", entries=[{"rank": 1, "occupation_code": RETIRED}])
    await _publish(client, CATALOGUE_PUBLISHED, msgspec.convert(body, CataloguePublished))
    ministry = await client.token("ministry", "mohrss")
    letters = await eventually(
        lambda: client.get("/dead-letters/labour", headers=ministry),
        until=lambda r: any("is retired" in d["reason"] for d in r.json()["items"]),
    )
    assert letters.status_code == 200
    assert (await client.get("/labour/catalogues/shortage.national.2027-Q1")).status_code == 404


async def test_pay_by_occupation_and_by_level_and_percentiles_in_order(client: Client) -> None:
    guangdong = await client.token("province", "440000")
    rows = pay()["rows"]
    disorderly = pay(rows=[rows[0], rows[1] | {"p25": 4200, "p50": 3900}])
    refused = await client.post("/labour/pay", json=disorderly, headers=guangdong)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "rows[1].p50", "message": "percentiles out of order: p50 3900 is below p25 4200"}
    ]
    negative = await client.post(
        "/labour/pay", json=pay(rows=[rows[0] | {"p10": -5}]), headers=guangdong
    )
    assert negative.status_code == 400
    assert negative.json()["errors"][0]["field"] == "rows[0].p10"
    applied = await client.post("/labour/pay", json=pay(), headers=guangdong | WAIT)
    assert applied.status_code == 201, applied.text

    by_occupation = (await client.get(f"/labour/occupations/{CODES[0]}/pay")).json()
    assert by_occupation["survey"]["region"] == "440000"
    assert [(lv["level"], lv["p50"], lv["minimum_pay"]) for lv in by_occupation["levels"]] == [
        ("junior", 4200, 2900),
        ("senior", 5600, None),
    ]
    ranking = (
        await client.get(
            "/labour/pay/ranking", params={"level": "junior", "region": "440000", "year": 2026}
        )
    ).json()
    assert [(r["rank"], r["occupation_code"]) for r in ranking["items"]] == [
        (1, CODES[1]),
        (2, CODES[0]),
    ]
    assert ranking["minimum_pay"] == 2900
    published = (await client.get("/labour/pay/440000.2026")).json()
    assert published["source"] == "test survey (invented)" and len(published["rows"]) == 3


async def test_a_package_links_selected_bodies_and_shows_on_its_release(client: Client) -> None:
    ministry = await client.token("ministry", "mohrss")
    package = {
        "occupation_code": NEW,
        "published_on": "2026-03-01",
        "standard": {"kind": "evaluation_norm", "status": "published",
                     "issuing_body": "测试（虚构）"},
        "training": [{"kind": "training_package", "title": "测试培训包（虚构）",
                      "publisher": "测试出版社（虚构）", "published_on": "2026-02-01"}],
        "evaluation_bodies": [{"body_id": "labour-test-school", "selected_on": "2026-02-15"},
                              {"body_id": "no-such-body", "selected_on": "2026-02-15"}],
    }  # fmt: skip
    refused = await client.post("/labour/packages", json=package, headers=ministry)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "standard.issued_on",
        "evaluation_bodies[1].body_id",
    }
    package["standard"]["issued_on"] = "2026-03-01"  # type: ignore[index]
    package["evaluation_bodies"] = package["evaluation_bodies"][:1]  # type: ignore[index]
    applied = await client.post("/labour/packages", json=package, headers=ministry | WAIT)
    assert applied.status_code == 201, applied.text
    read = (await client.get(f"/labour/packages/{NEW}")).json()
    assert read["introduced_in"] == "test-new-2026"
    (body,) = read["evaluation_bodies"]
    assert (body["name"], body["province"]) == ("测试学校（虚构）", "440000")
    assert body["authorised_levels"] == ["intermediate", "junior"]
    coverage = (await client.get("/labour/releases/test-new-2026/packages")).json()["items"]
    assert [
        (c["occupation_code"], c["standard_status"], c["training_items"], c["evaluation_bodies"])
        for c in coverage
    ] == [(NEW, "published", 1, 1), (NEW2, None, 0, 1)]


HOSTILE: list[tuple[str, bytes]] = [
    ("nul", b'{"kind":"shortage","region":"national","period":"2026-Q3","title":"a\\u0000b",'
            b'"published_on":"2026-01-01","entries":[{"rank":1,"occupation_code":"4-99-07-01"}]}'),
    ("huge", b'{"kind":"shortage","region":"national","period":"2026-Q3","title":"t",'
             b'"published_on":"2026-01-01","entries":[{"rank":1' + b"0" * 40
             + b',"occupation_code":"4-99-07-01"}]}'),
    ("deep", b'{"kind":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("utf8", b'{"kind":"shortage","title":"\xff\xfe"}'),
    ("surrogate", b'{"kind":"shortage","title":"\\ud800"}'),
    ("not json", b"{nope"),
]  # fmt: skip


@pytest.mark.parametrize("path", ["/labour/catalogues", "/labour/pay", "/labour/packages"])
async def test_hostile_bodies_are_refused_at_the_edge(client: Client, path: str) -> None:
    ministry = await client.token("ministry", "mohrss")
    for name, raw in HOSTILE:
        response = await client.post(
            path, content=raw, headers=ministry | {"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), name


async def test_hostile_query_and_path_values_are_refused(client: Client) -> None:
    for path, params in [
        ("/labour/pay/ranking", {"level": "junior", "year": "9" * 30}),
        ("/labour/catalogues", {"region": "national\x00"}),
        ("/labour/catalogues", {"limit": "-1"}),
        ("/labour/rating-statistics", {"year": "2" * 25}),
        ("/labour/catalogues/shortage.national.2026-Q1%00", {}),
        ("/labour/occupations/4-99-07-01%00/pay", {}),
        ("/labour/submissions/x", {}),
    ]:
        response = await client.get(path, params=params)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


async def test_pages_show_catalogues_pay_and_packages_in_both_languages(client: Client) -> None:
    for lang in ("zh", "en"):
        overview = await client.get(f"/{lang}/labour")
        assert (
            overview.status_code == 200
            and "/labour/catalogues/shortage.national.2025-Q3" in overview.text
        )
        listing = await client.get(f"/{lang}/labour/catalogues", params={"region": "national"})
        assert listing.status_code == 200 and "2025-Q2" in listing.text
        page = await client.get(f"/{lang}/labour/catalogues/shortage.national.2025-Q3")
        assert page.status_code == 200
        assert 'id="rank-chart"' in page.text and "<polyline" in page.text
        assert 'id="movers"' in page.text and 'id="demo-banner"' not in page.text
        pay_page = await client.get(
            f"/{lang}/labour/pay", params={"survey": "440000.2025", "level": "junior"}
        )
        assert pay_page.status_code == 200 and "4,600" in pay_page.text
        occupation = await client.get(f"/{lang}/occupations/{CODES[0]}")
        assert occupation.status_code == 200
        assert 'id="demand-chart"' in occupation.text and 'id="pay-chart"' in occupation.text
        package = await client.get(f"/{lang}/occupations/{NEW2}")
        assert 'id="package"' in package.text and "测试学校（虚构）" in package.text
        bad = await client.get(f"/{lang}/labour/catalogues/nonsense%00")
        assert bad.status_code in (400, 404)
        for path, params in [
            ("/labour/pay", {"level": "x\x00"}),
            ("/labour/statistics", {"year": "9999", "rows": "nope"}),
            ("/labour/catalogues", {"region": "\x00"}),
        ]:
            hostile = await client.get(f"/{lang}{path}", params=params)
            assert hostile.status_code in (400, 404), (path, hostile.status_code)


async def test_open_data_holds_catalogues_pay_packages_and_statistics(client: Client) -> None:
    from services.exports.datasets import DATASETS, available
    from services.platform.app import create_app
    from services.platform.public_api import PublicApi

    app = create_app(client.runtime, close_runtime=False)
    names = {"demand_catalogues", "demand_catalogue_entries", "pay", "minimum_pay",
             "occupation_packages", "rating_statistics"}  # fmt: skip
    datasets = {d.name: d for d in available(app, DATASETS) if d.name in names}
    assert set(datasets) == names
    async with PublicApi(app) as public:
        rows = {name: [row async for row in d.rows(public)] for name, d in datasets.items()}
    assert {r["catalogue_id"] for r in rows["demand_catalogues"]} >= {
        "shortage.national.2025-Q2",
        "shortage.national.2025-Q3",
    }
    entry = next(r for r in rows["demand_catalogue_entries"] if r["period"] == "2025-Q3")
    assert {"rank", "occupation_code", "previous_rank", "movement"} <= set(entry)
    assert {(r["survey"], r["level"]) for r in rows["pay"]} >= {("440000.2025", "senior")}
    assert {"survey": "440000.2025", "level": "junior", "monthly": 2900} in rows["minimum_pay"]
    assert NEW2 in [r["occupation_code"] for r in rows["occupation_packages"]]
    assert rows["rating_statistics"] == []  # no certificate counted in this module


async def test_poison_events_are_dead_lettered_by_every_new_consumer(client: Client) -> None:
    """Undecodable payloads on every route of the labour consumers and of the competitions
    consumer of certificates: each is refused with its reason; the next good event applies."""
    from services.competitions.consumers import CERTIFICATES
    from services.labour.consumers import OCCUPATIONS, PUBLICATIONS, RATINGS

    bus, pool = client.runtime.bus, client.runtime.pool
    expected = []
    for spec in (PUBLICATIONS, OCCUPATIONS, RATINGS, CERTIFICATES):
        for event_type in spec.routes:
            event_id = f"poison-{spec.name}-{event_type}"
            payload = msgspec.json.encode(
                {"id": event_id, "source": "/tests", "type": event_type, "data": {"x": [1]}}
            )
            await bus.publish_bytes(event_type, payload, msg_id=event_id)
            await bus.publish_bytes(event_type, b"\xff not json", msg_id=f"{event_id}-raw")
            expected.append((spec.schema, spec.name, event_id))

    async def refused() -> set[tuple[str, str, str]]:
        found = set()
        for schema in ("labour", "competitions"):
            rows = await pool.fetch(f"SELECT consumer, event_id FROM {schema}.dead_letter")
            found |= {(schema, r["consumer"], r["event_id"]) for r in rows}
        return found

    await eventually(refused, until=lambda found: set(expected) <= found)
    ministry = await client.token("ministry", "mohrss")
    after = await client.post(
        "/labour/catalogues", json=catalogue("2027-Q4"), headers=ministry | WAIT
    )
    assert after.status_code == 201, after.text
