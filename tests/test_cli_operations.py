"""The `skillsreg` command line against the test database and NATS: tokens, export, dead letters."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from services.cli import app
from services.platform.settings import Settings

from .conftest import Client
from .harness import eventually
from .releases import occupation, release, release_event

runner = CliRunner()


def env_for(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": str(settings.database_url),
        "NATS_URL": str(settings.nats_url),
        "SKILLSREG_SUBJECT_ROOT": settings.subject_root,
        "SKILLSREG_EXPORT_DIR": str(tmp_path / "exports"),
        "SKILLSREG_LOG_FORMAT": "console",
        "COLUMNS": "200",
    }


async def skillsreg(env: dict[str, str], *args: str) -> Result:
    # Commands run their own event loop, so they run in a thread beside the test's loop.
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


async def test_tokens_are_shown_once_listed_without_secret_and_revoked(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    env = env_for(settings, tmp_path)
    created = await skillsreg(env, "tokens", "create", "--role", "organiser", "--org", "wsc-cn")
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("srk_")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/exports", headers=headers)).status_code == 403  # known, not admin
    listed = await skillsreg(env, "tokens", "list")
    assert "organiser" in listed.output and "wsc-cn" in listed.output
    assert token not in listed.output
    token_id = created.output.split("token ", 1)[1].split(" ", 1)[0]
    assert (await skillsreg(env, "tokens", "revoke", token_id)).exit_code == 0
    client.runtime.tokens._entries.clear()  # the API caches look-ups for a few seconds
    assert (await client.post("/exports", headers=headers)).status_code == 401
    again = await skillsreg(env, "tokens", "revoke", token_id)
    assert again.exit_code == 1 and "no active token" in again.output
    bad_role = await skillsreg(env, "tokens", "create", "--role", "king", "--org", "x")
    assert bad_role.exit_code != 0 and "unknown role" in bad_role.output


async def test_export_command_writes_files_matching_their_metadata(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    result = await skillsreg(env_for(settings, tmp_path), "export")
    assert result.exit_code == 0, result.output
    assert "occupations.csv" in result.output
    (folder,) = (tmp_path / "exports").iterdir()
    metadata = json.loads((folder / "metadata.json").read_text())
    for entry in metadata["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    (run,) = (await client.get("/exports")).json()["items"]
    assert run["export_id"] == folder.name and run["trigger"] == "cli"
    assert run["status"] == "complete" and run["metadata"] == metadata


async def test_dead_letter_is_listed_shown_and_replayed_after_its_cause_is_fixed(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    env = env_for(settings, tmp_path)
    # The minor group 4-04-98-00 does not exist yet, so this release cannot apply.
    orphan = release("orphan-2026", occupation("4-04-98-01", "孤儿职业(invented)"))
    await client.runtime.bus.publish(release_event(orphan, event_id="orphan-1"))
    await eventually(
        lambda: client.runtime.pool.fetchval("SELECT count(*) FROM occupations.dead_letter"),
        until=lambda n: n == 1,
    )
    listed = await skillsreg(env, "dead-letters", "list")
    assert listed.exit_code == 0 and "occupations:1" in listed.output
    assert "orphan-1" in listed.output and "1 dead letter(s)" in listed.output
    shown = await skillsreg(env, "dead-letters", "show", "occupations:1")
    assert shown.exit_code == 0 and "4-04-98-01" in shown.output and "reason" in shown.output

    group = occupation("4-04-98-00", "测试小类(invented)", level=3)
    await client.runtime.bus.publish(release_event(release("group-2026", group)))
    await eventually(lambda: client.get("/occupations/4-04-98-00"), until=_found)
    replayed = await skillsreg(env, "dead-letters", "replay", "occupations:1")
    assert replayed.exit_code == 0, replayed.output
    await eventually(lambda: client.get("/occupations/4-04-98-01"), until=_found)

    missing = await skillsreg(env, "dead-letters", "show", "occupations:99")
    assert missing.exit_code == 1 and "no dead letter" in missing.output
    malformed = await skillsreg(env, "dead-letters", "replay", "nonsense")
    assert malformed.exit_code != 0 and "expected <schema>:<id>" in malformed.output


def _found(response: object) -> bool:
    return getattr(response, "status_code", 0) == 200


def test_unreachable_database_is_one_plain_sentence() -> None:
    env = os.environ | {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    done = subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", "dead-letters", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "skillsreg: cannot reach PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
