"""Cached public reads are never stale: once a submission reports applied (or a write answers),
every HTTP worker process answers with the change, though each had the old answer cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from migrations.read_models import NOT_READ

from .conftest import Client
from .instance import Instance
from .releases import occupation, release

WORKERS = {"http-1", "http-2"}
WAIT = {"Prefer": "wait=30"}
ORGANISER = "wsi-cache-test"


@pytest.fixture
def instance(server_dir: Path) -> Iterator[Instance]:
    # The demo data (classification, competitions, a batch of certificates) loads at start.
    running = Instance(server_dir, SKILLSREG_HTTP_WORKERS="2", SKILLSREG_LOAD_BASELINE="true")
    try:
        yield running
    finally:
        running.kill()


def token(instance: Instance, role: str, org: str) -> dict[str, str]:
    created = instance.cli("tokens", "create", "--role", role, "--org", org)
    return {"Authorization": f"Bearer {created.strip().splitlines()[-1]}"}


def from_every_worker(url: str) -> dict[str, Any]:
    """`url` read on new connections until each HTTP worker has answered: body by worker."""
    answers: dict[str, Any] = {}
    for _ in range(200):
        with httpx.Client(timeout=10) as client:  # a new connection, accepted anew
            response = client.get(url)
        assert response.status_code == 200, response.text
        answers[response.headers["x-served-by"]] = response.json()
        if set(answers) == WORKERS:
            return answers
    raise AssertionError(f"only {sorted(answers)} answered")


async def first_certificate(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + 120
        while (
            number := await conn.fetchval("SELECT min(number) FROM ratings.certificate")
        ) is None:
            assert time.monotonic() < deadline, "the demo batch issued no certificate"
            await asyncio.sleep(0.5)
        return str(number)
    finally:
        await conn.close()


def competition(url: str, ministry: dict[str, str], organiser: dict[str, str]) -> None:
    body = {
        "code": "CACHE2024",
        "name": "Demo competition of the read-cache test (invented)",
        "kind": "worldskills",
        "organiser": ORGANISER,
        "starts_on": "2024-09-10",
        "ends_on": "2024-09-15",
        "rules": {"tie_threshold": 0, "excellence_threshold": 700},
    }
    assert httpx.post(f"{url}/competitions", json=body, headers=ministry).status_code == 201
    skills = [
        {
            "number": "05",
            "name_en": "Mechanical Engineering CAD",
            "sector": "manufacturing_engineering_technology",
        }
    ]
    created = httpx.post(
        f"{url}/competitions/CACHE2024/skills", json={"skills": skills}, headers=organiser
    )
    assert created.status_code == 201, created.text


def results(url: str, organiser: dict[str, str], revision: int, marks: dict[str, float]) -> None:
    lines = [
        {"member": m, "mark": mark, "competitors": [{"id": f"cache-{m}", "name": f"Demo {m}"}]}
        for m, mark in marks.items()
    ]
    skill = {"skill": "05", "revision": revision, "results": lines}
    applied = httpx.post(
        f"{url}/competitions/CACHE2024/results",
        json={"skills": [skill]},
        headers=organiser | WAIT,
        timeout=40,
    )
    assert applied.status_code == 200, applied.text  # 200: applied, not merely accepted


def gold(table: dict[str, Any]) -> list[str]:
    return [row["member"] for row in table["rows"] if row["gold"]]


def test_every_worker_reads_each_change_once_its_submission_reports_applied(
    instance: Instance,
) -> None:
    instance.start()
    instance.wait_ready()
    url = instance.url
    ministry = token(instance, "ministry", "mohrss")
    organiser = token(instance, "organiser", ORGANISER)
    number = asyncio.run(first_certificate(instance.database_url))
    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/occupations/6-18-01-07").status_code != 200:
        assert time.monotonic() < deadline, "the 2022 classification was not loaded"
        time.sleep(0.5)
    group = httpx.get(f"{url}/occupations/6-18-01-07").json()["occupation"]["parent_code"]
    competition(url, ministry, organiser)
    results(url, organiser, 1, {"CN": 720.0, "KR": 710.0})

    reads = {
        "occupation": f"{url}/occupations/{group}",
        "medal table": f"{url}/competitions/CACHE2024/medal-table",
        "certificate": f"{url}/certificates/{number}",
    }
    before = {name: from_every_worker(read) for name, read in reads.items()}
    # Each worker has each read cached now: the same answer, with the same ETag, again.
    for name in ("occupation", "medal table"):
        assert len({msgspec.json.encode(b) for b in before[name].values()}) == 1
    assert {gold(t)[0] for t in before["medal table"].values()} == {"CN"}
    assert all(c["status"] == "valid" for c in before["certificate"].values())

    new = occupation(f"{group[:-2]}96", "读缓存测试职业(demo)")
    body = msgspec.to_builtins(release("cache-test", new))
    applied = httpx.post(f"{url}/releases", json=body, headers=ministry | WAIT, timeout=40)
    assert applied.status_code == 201, applied.text
    for detail in from_every_worker(reads["occupation"]).values():
        assert new.code in [child["code"] for child in detail["children"]]

    results(url, organiser, 2, {"CN": 700.0, "KR": 730.0})
    for table in from_every_worker(reads["medal table"]).values():
        assert gold(table) == ["KR"]

    revoked = httpx.post(
        f"{url}/certificates/{number}/revocation",
        json={"reason": "issued in error (test)"},
        headers=ministry,
    )
    assert revoked.status_code == 201, revoked.text
    for certificate in from_every_worker(reads["certificate"]).values():
        assert certificate["status"] == "revoked"


async def test_a_public_read_has_an_etag_answers_304_and_gzips_only_when_asked(
    client: Client,
) -> None:
    path = "/occupations/6-18-01-07"
    first = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"  # proxies revalidate each time
    assert "content-encoding" not in first.headers
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    zipped = await client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == first.json()  # httpx inflates it
    # With a token, nothing is shared: the answer is the handler's own.
    ministry = await client.token("ministry", "mohrss")
    assert "etag" not in (await client.get(path, headers=ministry)).headers


async def test_every_table_of_a_cached_schema_bumps_its_version(empty_database_url: str) -> None:
    """A table a later migration adds to a cached schema needs the trigger, or its changes
    would be served stale (`migrations/read_models.py` adds it)."""
    conn = await asyncpg.connect(empty_database_url)
    try:
        missing = await conn.fetch(
            """SELECT schemaname, tablename FROM pg_tables
            WHERE schemaname = ANY($1) AND tablename <> ALL($2) AND NOT EXISTS (
                SELECT 1 FROM pg_trigger WHERE tgname = 'read_model_changed'
                AND tgrelid = format('%I.%I', schemaname, tablename)::regclass)""",
            ["occupations", "competitions", "labour"],
            list(NOT_READ),
        )
        versions = await conn.fetch("SELECT schema FROM platform.read_model_version")
    finally:
        await conn.close()
    assert [f"{r[0]}.{r[1]}" for r in missing] == []
    assert sorted(r[0] for r in versions) == ["competitions", "labour", "occupations"]
