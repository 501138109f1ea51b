"""Open-data exports: files whose metadata counts and checksums match, at a stable address."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest

from services.exports.store import EXPORT_LOCK
from services.platform.app import create_app
from services.platform.runtime import Runtime
from services.platform.settings import Settings
from services.registry import ALL

from .conftest import Client
from .harness import eventually
from .releases import occupation, release, release_event

CATALOGUE_ENTRIES = 8 + 72 + 336 + 1631  # every level of the 2022 baseline as loaded


async def open_client(settings: Settings) -> AsyncIterator[Client]:
    runtime = await Runtime.open(settings, ALL)
    runtime.start_background()
    transport = httpx.ASGITransport(app=create_app(runtime))
    try:
        async with Client(transport=transport, base_url="http://skillsreg.test") as client:
            client.runtime = runtime
            yield client
    finally:
        await runtime.close()


@pytest.fixture
async def exports_client(settings: Settings, tmp_path: Path) -> AsyncIterator[Client]:
    configured = msgspec.structs.replace(settings, export_dir=str(tmp_path / "exports"))
    async for client in open_client(configured):
        yield client


async def test_admin_export_writes_csv_and_jsonl_that_match_their_metadata(
    exports_client: Client,
) -> None:
    client = exports_client
    admin = await client.token("admin", "ops")
    started = await client.post("/exports", headers=admin | {"Prefer": "wait=30"})
    assert started.status_code == 200, started.text
    run = started.json()
    assert run["status"] == "complete" and run["trigger"] == "on-demand"
    assert run["requested_by"] == "admin:ops"
    metadata = (await client.get("/exports/latest/metadata.json")).json()
    assert metadata == run["metadata"]
    assert metadata["format_version"] == "1.0" and metadata["export_id"] == run["export_id"]
    occupations = next(d for d in metadata["datasets"] if d["name"] == "occupations")
    assert occupations["rows"] == CATALOGUE_ENTRIES
    assert {f["name"] for f in metadata["files"]} >= {"occupations.csv", "occupations.jsonl"}
    for entry in metadata["files"]:
        for address in (entry["url"], f"/exports/latest/{entry['name']}"):
            response = await client.get(address)
            assert response.status_code == 200
            assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
            assert len(response.content) == entry["bytes"]
        if entry["format"] == "csv":
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert len(rows) == entry["rows"]
        else:
            rows = [msgspec.json.decode(line) for line in response.content.splitlines()]
            assert len(rows) == entry["rows"]
    table = (await client.get("/exports/latest/occupations.csv")).content.decode("utf-8-sig")
    programmer = next(r for r in csv.DictReader(io.StringIO(table)) if r["code"] == "4-04-05-01")
    assert programmer["name_zh"] == "计算机程序设计员" and programmer["tags"] == "digital"
    listing = (await client.get("/exports")).json()
    assert listing["latest"] == run["export_id"]
    assert [r["export_id"] for r in listing["items"]] == [run["export_id"]]
    bundle = await client.get("/exports/latest/skillsreg_export.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert set(archive.namelist()) == {f["name"] for f in metadata["files"]} | {"metadata.json"}
        for entry in metadata["files"]:
            digest = hashlib.sha256(archive.read(entry["name"])).hexdigest()
            assert digest == entry["sha256"]
    page = await client.get("/en/exports")
    assert run["export_id"] in page.text
    assert 'href="/exports/latest/occupations.csv"' in page.text


async def test_exports_need_an_admin_token(exports_client: Client) -> None:
    assert (await exports_client.post("/exports")).status_code == 401
    ministry = await exports_client.token("ministry", "mohrss")
    refused = await exports_client.post("/exports", headers=ministry)
    assert refused.status_code == 403
    assert (await exports_client.get("/exports")).json()["items"] == []
    assert (await exports_client.get("/exports/latest/metadata.json")).status_code == 404


async def test_a_second_export_while_one_runs_is_refused(exports_client: Client) -> None:
    admin = await exports_client.token("admin", "ops")
    async with exports_client.runtime.pool.acquire() as other_replica:
        await other_replica.execute("SELECT pg_advisory_lock($1)", EXPORT_LOCK)
        busy = await exports_client.post("/exports", headers=admin)
        await other_replica.execute("SELECT pg_advisory_unlock($1)", EXPORT_LOCK)
    assert busy.status_code == 409
    assert busy.json()["type"] == "/problems/export-running"
    assert (await exports_client.get("/exports")).json()["items"] == []


async def test_bad_export_addresses_get_problem_details(exports_client: Client) -> None:
    bad_name = await exports_client.get("/exports/latest/..%2Fsecrets.txt")
    assert bad_name.status_code in (400, 404)
    bad = await exports_client.get("/exports/latest/passwords.txt")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "name"
    bad_id = await exports_client.get("/exports/yesterday")
    assert bad_id.status_code == 400 and bad_id.json()["errors"][0]["field"] == "export_id"
    missing = await exports_client.get("/exports/20200101T000000Z-abcd")
    assert missing.status_code == 404


async def test_scheduled_export_runs_on_its_interval(settings: Settings, tmp_path: Path) -> None:
    configured = msgspec.structs.replace(
        settings, export_dir=str(tmp_path / "exports"), export_interval=1.0
    )
    async for client in open_client(configured):
        runs = await eventually(
            lambda: client.get("/exports"),  # noqa: B023 - awaited inside the loop
            until=lambda r: [i["status"] for i in r.json()["items"]] == ["complete"],
        )
        run = runs.json()["items"][0]
        assert run["trigger"] == "scheduled" and runs.json()["latest"] == run["export_id"]
        metadata = (await client.get("/exports/latest/metadata.json")).json()
        assert metadata["export_id"] == run["export_id"]


async def test_export_holds_releases_and_competition_results(exports_client: Client) -> None:
    from .test_competitions_reads import fixture_competition
    from .test_ratings_helpers import World

    client = exports_client
    await fixture_competition(client)
    await World(client).build()
    admin = await client.token("admin", "ops")
    run = (await client.post("/exports", headers=admin | {"Prefer": "wait=30"})).json()
    counts = {d["name"]: d["rows"] for d in run["metadata"]["datasets"]}
    assert counts["releases"] == 1 and counts["release_changes"] == CATALOGUE_ENTRIES
    assert counts["competitions"] == 1 and counts["medal_tables"] == 5
    entries = (await client.get("/competitions/WSCT2024/entries", params={"limit": 500})).json()
    assert counts["results"] == len(entries["items"]) > 0
    bodies = (await client.get("/evaluation-bodies")).json()["items"]
    assert counts["evaluation_bodies"] == len(bodies) > 0 and counts["authorisations"] > 0
    table = (await client.get("/exports/latest/medal_tables.csv")).content.decode("utf-8-sig")
    rows = {r["member"]: r for r in csv.DictReader(io.StringIO(table))}
    assert rows["KR"]["rank_gold"] == "1" and rows["CN"]["rank_total"] == "1"
    results = (await client.get("/exports/latest/results.jsonl")).content
    assert b"national_id" not in results
    first = msgspec.json.decode(results.splitlines()[0])
    assert first["competition"] == "WSCT2024" and first["competitor_ids"]


async def test_first_export_waits_for_start_up_data_then_keeps_the_newest_runs(
    settings: Settings, tmp_path: Path
) -> None:
    """A fresh install exports at start-up what it loaded, then on schedule, keeping N runs."""
    root = tmp_path / "exports"
    configured = msgspec.structs.replace(
        settings, export_dir=str(root), export_interval=0.0005, export_keep=2
    )
    runtime = await Runtime.open(configured, ALL)
    # Waiting on the bus when the process starts, as the baseline is on a fresh `make run`.
    await runtime.bus.publish(release_event(release("start-up-1", occupation("4-04-05-96"))))
    runtime.start_background()
    client = Client(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://skillsreg.test"
    )
    try:
        listing = await eventually(
            lambda: client.get("/exports"),
            until=lambda r: any(i["status"] == "complete" for i in r.json()["items"]),
        )
        first = next(i for i in listing.json()["items"] if i["status"] == "complete")
        counts = {d["name"]: d["rows"] for d in first["metadata"]["datasets"]}
        assert counts["releases"] == 2  # the baseline and the release waiting at start-up

        async def runs() -> tuple[list[str], list[str], bool]:
            items = (await client.get("/exports")).json()["items"]
            on_disk = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
            done = all(i["status"] == "complete" for i in items)
            return sorted(i["export_id"] for i in items), on_disk, done

        # The schedule goes on meanwhile: wait for a moment when no run is being written.
        listed, on_disk, _ = await eventually(
            runs,
            until=lambda r: r[2] and len(r[0]) == 2 and first["export_id"] not in r[0],
            timeout=60,
        )
        assert on_disk == listed or on_disk[-1] > listed[-1]  # a newer run may have landed
        assert first["export_id"] not in on_disk
        gone = await client.get(f"/exports/{first['export_id']}")
        assert gone.status_code == 404
    finally:
        await client.aclose()
        await runtime.close()
