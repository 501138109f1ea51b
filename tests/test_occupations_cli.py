"""`skillsreg occupations import-release`: a file in, the same checks and event, a report out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app

from .conftest import Client

CSV_HEADER = "action,code,level,name_zh,name_en,definition,tasks,aliases,tags,work_types,reason\n"


def run_cli(client: Client, *args: str) -> tuple[int, str]:
    settings = client.runtime.settings
    env = {
        "DATABASE_URL": str(settings.database_url),
        "NATS_URL": str(settings.nats_url),
        "SKILLSREG_SUBJECT_ROOT": settings.subject_root,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["occupations", "import-release", *args], env=env)
    return result.exit_code, result.output


async def test_csv_import_applies_and_reports(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        CSV_HEADER
        + "add,4-04-05-95,4,示例审核员（演示）,Demo reviewer,（演示）,审核|抽检,,digital,,\n"
        + "amend,4-04-05-03,,,Software tester (demo),,,,,,rename\n"
        + "retire,4-04-05-04,,,,,,,,,merged\n"
        + "add,4-04-05-95-01,,示例工种（演示）,Demo work type,,,,,,\n",
        encoding="utf-8",
    )
    meta = ["--release-id", "cli-2025", "--title", "CLI test (invented)"]
    code, output = await asyncio.to_thread(
        run_cli, client, str(path), *meta, "--published-on", "2025-01-02", "--wait", "20"
    )
    assert code == 0, output
    assert "release cli-2025: applied" in output
    assert "4-04-05-95" in output and "4-04-05-03" in output and "4-04-05-04" in output
    item = (await client.get("/occupations/4-04-05-95")).json()["occupation"]
    assert item["tasks"] == ["审核", "抽检"] and item["introduced_in"] == "cli-2025"
    assert (await client.get("/occupations/4-04-05-04")).json()["occupation"]["status"] == "retired"
    assert "4-04-05-95-01" in output
    work_type = (await client.get("/occupations/work-types/4-04-05-95-01")).json()["work_type"]
    assert (work_type["name_zh"], work_type["name_en"]) == ("示例工种（演示）", "Demo work type")


async def test_refused_import_names_the_reasons(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        CSV_HEADER
        + "add,4-04-55-01,4,示例职业（演示）,,,,,,,\n"
        + "retire,4-04-05-77,,,,,,,,,gone\n",
        encoding="utf-8",
    )
    meta = ["--release-id", "cli-bad", "--title", "Bad (invented)", "--published-on", "2025-01-02"]
    code, output = await asyncio.to_thread(run_cli, client, str(path), *meta)
    assert code == 1
    assert "parent group 4-04-55-00 of 4-04-55-01 does not exist" in output
    assert "cannot retire 4-04-05-77" in output
    assert (await client.get("/releases/cli-bad")).status_code == 404


async def test_unreadable_file_is_exit_2(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"release_id": "x-1", ', encoding="utf-8")
    code, output = await asyncio.to_thread(run_cli, client, str(path))
    assert code == 2 and "cannot read the release" in output
