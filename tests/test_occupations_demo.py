"""The 2024 demo batch: loaded after the baseline through the bus, marked as invented."""

from __future__ import annotations

import dataclasses

import msgspec

from services.occupations.startup import load_demo_releases

from .conftest import Client
from .harness import eventually


async def test_demo_release_loads_through_the_bus(client: Client) -> None:
    settings = msgspec.structs.replace(client.runtime.settings, load_baseline=True)
    runtime = dataclasses.replace(client.runtime, settings=settings)
    await load_demo_releases(runtime)
    status = await eventually(
        lambda: client.get("/releases/new-occupations-2024"),
        until=lambda r: r.status_code == 200 and r.json()["status"] == "applied",
    )
    release = status.json()["release"]
    assert release["added"] == 19
    assert "invented" in release["source_note"] and "Not official" in release["source_note"]
    diff = await client.get(
        "/occupations/diff", params={"from": "csco-2022", "to": "new-occupations-2024"}
    )
    assert diff.json()["counts"] == {"added": 19, "amended": 0, "retired": 0}
    top = (await client.get("/occupations", params={"q": "oral health technician"})).json()
    assert top["items"][0]["code"] == "2-05-07-91"
    placeholders = [e for e in diff.json()["added"] if "（演示）" in e["name_zh"]]
    assert len(placeholders) == 13
