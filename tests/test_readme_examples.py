"""The README's read examples work as written: each `curl` line is sent as curl would send it
(`-G --data-urlencode` encodes; a URL must already be percent-encoded) and gets a 200."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path
from urllib.parse import quote, urlsplit

import msgspec

from services.labour.demo import publications
from services.labour.handlers import PublishCatalogue, publish_catalogue, publish_pay
from services.occupations.startup import load_demo_releases
from services.ratings.demo_statistics import load_statistics_demo

from .conftest import Client
from .harness import eventually
from .test_competitions_demo import loaded

README = Path(__file__).resolve().parents[1] / "README.md"


def examples() -> list[tuple[str, list[str]]]:
    """(URL, `--data-urlencode` values) of every GET example in the README."""
    found = []
    for line in README.read_text().splitlines():
        if not line.startswith("curl ") or "-X" in line or "Authorization" in line:
            continue
        words = shlex.split(line, comments=True)
        url = next(w for w in words if w.startswith("http://"))
        values = [words[i + 1] for i, w in enumerate(words) if w == "--data-urlencode"]
        found.append((url, values))
    return found


async def test_readme_read_examples_answer_200(client: Client) -> None:
    await loaded(client)
    await load_demo_releases(client.runtime)
    await eventually(
        lambda: client.get("/releases/new-occupations-2024"),
        until=lambda r: r.status_code == 200 and r.json()["status"] == "applied",
    )
    settings = msgspec.structs.replace(client.runtime.settings, load_baseline=True)
    await load_statistics_demo(dataclasses.replace(client.runtime, settings=settings))
    pool, bus = client.runtime.pool, client.runtime.bus
    for command in publications():  # the labour demo's catalogues and pay, as `make run` has
        if isinstance(command, PublishCatalogue):
            await publish_catalogue(command, pool=pool, bus=bus)
        else:
            await publish_pay(command, pool=pool, bus=bus)
    await eventually(
        lambda: client.get("/labour/catalogues/shortage.national.2025-Q1"),
        until=lambda r: r.status_code == 200,
    )
    await eventually(
        lambda: client.get("/labour/rating-statistics", params={"year": 2025}),
        until=lambda r: r.status_code == 200,
    )
    listed = examples()
    assert len(listed) >= 10
    for url, values in listed:
        assert url.isascii(), f"not percent-encoded, curl would send raw bytes: {url}"
        parts = urlsplit(url)
        query = "&".join(
            [parts.query] * bool(parts.query)
            + [f"{k}={quote(v, safe='')}" for k, _, v in (x.partition("=") for x in values)]
        )
        response = await client.get(parts.path + (f"?{query}" if query else ""))
        assert response.status_code == 200, (url, response.text[:300])
