"""The README's read examples work as written: each `curl` line is sent as curl would send it
(`-G --data-urlencode` encodes; a URL must already be percent-encoded) and gets a 200."""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import quote, urlsplit

from services.occupations.startup import load_demo_releases

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
