"""Importing results from files, and the labelled WSC2024 demo loaded at start-up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.competitions import CompetitionRules
from services.cli import app
from services.competitions.importer import ImportOptions, import_rows, read_rows, settle
from services.platform.settings import Settings

from .conftest import Client
from .harness import eventually


def worldskills_result(skill: str, member: str, mark: float, medal: str, **flags: bool) -> dict:
    return {
        "event": {"code": "DEMOWS2019"},
        "skill": {"number": skill, "name": {"text": f"Demo Skill {skill}"}},
        "member": {"code": member, "name": {"text": f"Demo member {member}"}},
        "competitors": [
            {
                "id": f"demo-{skill}-{member}",
                "first_name": "Demo",
                "last_name": f"Competitor {skill}-{member}",
            }
        ],
        "mark": mark,
        "position": None,
        "medal": {"code": medal},
        **flags,
    }


async def test_import_worldskills_json_reports_each_skill(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps(
            {
                "results": [
                    worldskills_result("07", "CN", 760, "GOLD", best_of_nation=True),
                    worldskills_result("07", "KR", 750, "SILVER", albert_vidal_award=True),
                    worldskills_result("17", "KR", 770, "GOLD", best_of_nation=True),
                    worldskills_result("17", "CN", 701, "SILVER"),
                    # Contradicts its mark: the whole skill is refused, the others apply.
                    worldskills_result("19", "CN", 690, "GOLD"),
                    worldskills_result("19", "FR", 720, "SILVER"),
                ]
            }
        )
    )
    rows = read_rows(path)
    options = ImportOptions(
        starts_on=date(2019, 8, 22),
        ends_on=date(2019, 8, 27),
        name="Demo import (invented)",
        rules=CompetitionRules(medals="given"),
    )
    steps: list[str] = []
    report = await import_rows(client.runtime.pool, client.runtime.bus, rows, options, steps.append)
    assert steps == ["07", "17", "19"] and report.created_competition
    assert report.award_mismatches == ["07/KR: flagged Albert Vidal, not the top mark"]

    async def settled() -> list[str]:
        await settle(client.runtime.pool, report)
        return [s.status for s in report.skills]

    assert await eventually(settled, until=lambda s: "pending" not in s) == [
        "applied",
        "applied",
        "refused",
    ]
    assert "GOLD contradicts the marks" in report.skills[2].reason
    table = (await client.get("/competitions/DEMOWS2019/medal-table")).json()
    assert [(r["member"], r["gold"], r["silver"]) for r in table["rows"]] == [
        ("CN", 1, 1),
        ("KR", 1, 1),
    ]


async def test_import_csv_into_an_existing_competition(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "event_code,skill_number,skill_name,member_code,competitor_ids,competitor_names,"
        "mark,position,medal\n"
        "DEMONAT2023,04,Demo Mechatronics,CN-GD,demo-a;demo-b,Demo A;Demo B,740,,\n"
        "DEMONAT2023,04,Demo Mechatronics,CN-JS,demo-c;demo-d,Demo C;Demo D,745,,\n"
    )
    options = ImportOptions(kind="national", starts_on=date(2023, 9, 16), ends_on=date(2023, 9, 19))
    report = await import_rows(client.runtime.pool, client.runtime.bus, read_rows(path), options)
    assert [s.status for s in report.skills] == ["published"]
    body = await eventually(
        lambda: client.get("/competitions/DEMONAT2023/skills/04/results"),
        until=lambda r: r.json()["revision"] == 1,
    )
    results = body.json()["results"]
    assert [(r["member"], r["medal"], len(r["competitors"])) for r in results] == [
        ("CN-JS", "GOLD", 2),
        ("CN-GD", "SILVER", 2),
    ]


def test_cli_imports_csv_with_a_report(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command itself: skeleton written, skills published, report printed (no consumer runs
    here, so the skills stay pending)."""
    monkeypatch.setenv("DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("NATS_URL", str(settings.nats_url))
    monkeypatch.setenv("SKILLSREG_SUBJECT_ROOT", settings.subject_root)
    path = tmp_path / "results.csv"
    path.write_text(
        "event_code,skill_number,skill_name,member_code,competitor_ids,competitor_names,"
        "mark,position,medal\n"
        "DEMOCLI2024,07,Demo CNC,CN,demo-cli-cn,Demo CLI CN,760,,GOLD\n"
        "DEMOCLI2024,17,Demo Web,KR,demo-cli-kr,Demo CLI KR,740,,\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "competitions",
            "import",
            str(path),
            "--starts-on",
            "2024-05-01",
            "--ends-on",
            "2024-05-03",
            "--wait",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "DEMOCLI2024 (competition created): 2 rows, 2 skills" in result.output
    assert "pending: 2" in result.output
    bad = CliRunner().invoke(app, ["competitions", "import", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2  # no such file: typer names the argument
