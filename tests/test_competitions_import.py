"""Importing results from files: one submission, checked as the HTTP API checks results, applied
whole or not at all, every problem named by its file row."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from schemas.competitions import CompetitionRules
from services.cli import app
from services.competitions.importer import ImportOptions, ImportReport, import_file, settle
from services.competitions.result_files import read_rows
from services.platform.national_ids import mod11_2
from services.platform.settings import Settings

from .conftest import Client
from .harness import eventually

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
WS2019 = ImportOptions(
    starts_on=date(2019, 8, 22),
    ends_on=date(2019, 8, 27),
    name="Demo import (invented)",
    rules=CompetitionRules(medals="given"),
)


def worldskills_result(
    skill: str,
    member: str,
    mark: float,
    medal: str | None,
    position: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "skill": {
            "number": skill,
            "name": {"text": f"Demo Skill {skill}"},
            "sector": {"name": {"text": "Information and Communication Technology"}},
            "event": {"code": "DEMOWS2019"},
        },
        "member": {"code": member, "name": {"text": f"Demo member {member}"}},
        "competitors": [
            {
                "id": f"demo-{skill}-{member}",
                "first_name": "Demo",
                "last_name": f"Competitor {skill}-{member}",
            }
        ],
        "mark": mark,
        "position": position,
        "medal": {"code": medal} if medal else None,
        **extra,
    }


def write_json(path: Path, results: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"results": results}))
    return path


async def run(client: Client, path: Path, options: ImportOptions) -> ImportReport:
    """Import and wait for the consumer's outcome, as the command does."""
    report = await import_file(
        client.runtime.pool,
        client.runtime.bus,
        read_rows(path),
        options,
        id_hash_key=client.runtime.settings.id_hash_key.encode(),
    )

    async def settled() -> str:
        await settle(client.runtime.pool, report)
        return report.status

    await eventually(settled, until=lambda s: s != "pending")
    return report


async def counts(client: Client) -> tuple[int, int, int, int]:
    """Competitions, members, skills, results: what a refused file must leave as it was."""
    row = await client.runtime.pool.fetchrow(
        """SELECT (SELECT count(*) FROM competitions.competition) AS c,
                  (SELECT count(*) FROM competitions.member) AS m,
                  (SELECT count(*) FROM competitions.skill) AS s,
                  (SELECT count(*) FROM competitions.result) AS r"""
    )
    return row["c"], row["m"], row["s"], row["r"]


async def test_example_worldskills_file_imports_whole_and_reruns_unchanged(
    client: Client,
) -> None:
    path = EXAMPLES / "results-worldskills.json"
    options = ImportOptions(
        starts_on=date(2019, 8, 22), ends_on=date(2019, 8, 27), create_members=True
    )
    report = await run(client, path, options)
    assert (report.status, report.problems, report.created_competition) == ("applied", [], True)
    assert report.competition == "DEMOWS2019"  # from skill.event.code
    assert sorted(report.created_members) == ["CH", "CN", "FR", "KR"]
    assert [(s.skill, s.status) for s in report.skills] == [
        ("04", "applied"),
        ("07", "applied"),
        ("17", "applied"),
        ("29", "applied"),
    ]
    skills = (await client.get("/competitions/DEMOWS2019/skills")).json()["items"]
    assert [(s["number"], s["name_en"], s["sector"], s["team_size"]) for s in skills] == [
        ("04", "Mechatronics", "manufacturing_engineering_technology", 2),
        ("07", "CNC Milling", "manufacturing_engineering_technology", 1),
        ("17", "Web Technologies", "information_communication_technology", 1),
        ("29", "Hairdressing", "social_personal_services", 1),
    ]
    results = (await client.get("/competitions/DEMOWS2019/skills/29/results")).json()["results"]
    assert [(r["member"], r["position"], r["medal"]) for r in results] == [
        ("FR", 1, "GOLD"),
        ("CH", 2, "SILVER"),
        ("CN", 2, "SILVER"),
        ("KR", 4, "EXCELLENCE"),
    ]
    members = (await client.get("/competitions/DEMOWS2019/medal-table")).json()["rows"]
    assert {r["member"] for r in members} == {"CH", "CN", "FR", "KR"}

    before = await counts(client)
    again = await run(client, path, options)  # answered at once: nothing is published
    assert (again.status, again.event_id, again.created_members) == ("unchanged", "", [])
    assert {s.status for s in again.skills} == {"unchanged"}
    assert await counts(client) == before


async def test_example_csv_imports_provinces_with_their_sectors(client: Client) -> None:
    options = ImportOptions(
        kind="national",
        starts_on=date(2023, 9, 16),
        ends_on=date(2023, 9, 19),
        create_members=True,
    )
    report = await run(client, EXAMPLES / "results-national.csv", options)
    assert (report.status, report.problems) == ("applied", [])
    assert report.created_members == ["CN-GD", "CN-JS", "CN-SH"]
    kinds = await client.runtime.pool.fetch(
        "SELECT DISTINCT kind FROM competitions.member WHERE code LIKE 'CN-%'"
    )
    assert [k["kind"] for k in kinds] == ["province"]
    skills = (await client.get("/competitions/DEMONAT2023/skills")).json()["items"]
    assert [(s["number"], s["sector"]) for s in skills] == [
        ("04", "manufacturing_engineering_technology"),
        ("17", "information_communication_technology"),
    ]
    results = (await client.get("/competitions/DEMONAT2023/skills/17/results")).json()["results"]
    assert [(r["member"], r["position"], r["medal"]) for r in results] == [
        ("CN-SH", 1, "GOLD"),  # positions and medals left out are derived from the marks
        ("CN-GD", 2, "SILVER"),
    ]


async def test_a_bad_row_refuses_the_whole_file_and_writes_nothing(
    client: Client, tmp_path: Path
) -> None:
    path = write_json(
        tmp_path / "results.json",
        [
            worldskills_result("07", "CN", 760, "GOLD", best_of_nation=True),
            worldskills_result("07", "KR", 750, "SILVER", albert_vidal_award=True),
            worldskills_result("17", "KR", 770, "GOLD"),
            worldskills_result("17", "CN", 701, "SILVER"),
            worldskills_result("19", "CN", 690, "GOLD"),  # contradicts its mark
            worldskills_result("19", "FR", 720, "SILVER"),  # and so does this one
        ],
    )
    before = await counts(client)
    report = await run(client, path, replace(WS2019, create_members=True))
    assert report.status == "refused" and report.event_id == ""
    assert [p.where for p in report.problems] == [
        "results[4] (skill 19)",
        "results[5] (skill 19)",
    ]
    assert "medal: GOLD contradicts the marks" in report.problems[0].message
    assert report.award_mismatches == [
        "results[1] (skill 07): KR flagged Albert Vidal, not the top mark"
    ]
    # Skills 07 and 17 were fine, but nothing of the file applies: no competition, no members.
    assert (report.created_competition, report.created_members) == (False, [])
    assert await counts(client) == before
    assert (await client.get("/competitions/DEMOWS2019")).status_code == 404


async def test_unknown_members_are_refused_unless_asked_to_create_them(
    client: Client, tmp_path: Path
) -> None:
    path = write_json(
        tmp_path / "results.json",
        [
            worldskills_result("07", "CN", 760, "GOLD"),
            worldskills_result("07", "ZZ", 750, "SILVER"),
        ],
    )
    before = await counts(client)
    refused = await run(client, path, WS2019)
    assert [(p.where, p.message) for p in refused.problems] == [
        ("results[0] (skill 07)", "member: unknown member 'CN' (--create-members adds it)"),
        ("results[1] (skill 07)", "member: unknown member 'ZZ' (--create-members adds it)"),
    ]
    assert await counts(client) == before
    applied = await run(client, path, replace(WS2019, create_members=True))
    assert (applied.status, applied.created_members) == ("applied", ["CN", "ZZ"])
    name = await client.runtime.pool.fetchval(
        "SELECT name_en FROM competitions.member WHERE code = 'ZZ'"
    )
    assert name == "Demo member ZZ"


async def test_positions_must_agree_with_the_marks(client: Client, tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "results.json",
        [
            worldskills_result("07", "KR", 750, "SILVER", position=2),
            worldskills_result("07", "CN", 760, "GOLD", position=5),  # the top mark at 5
        ],
    )
    report = await run(client, path, replace(WS2019, create_members=True))
    assert [(p.where, p.message) for p in report.problems] == [
        (
            "results[1] (skill 07)",
            "position: position 5 contradicts the marks: mark 760 places 1",
        )
    ]


async def test_csv_errors_name_every_line(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "competition,skill_number,skill_name,sector,member_code,competitor_ids,"
        "competitor_names,mark,position,medal\n"
        "DEMOCSV2024,07,Demo CNC,manufacturing_engineering_technology,CN,a,Demo A,760,1,GOLD\n"
        "DEMOCSV2024,07,Demo CNC,manufacturing_engineering_technology,KR,b,Demo B,lots,,\n"
        "DEMOCSV2024,07,Demo CNC,manufacturing_engineering_technology,FR,c,Demo C,700,1,\n"
        "DEMOCSV2024,17,Demo Web,,KR,d,Demo D,740,,\n"
        "DEMOCSV2024,19,Demo X,Cooking,KR,e,Demo E,740,,\n"
        "OTHER2024,07,Demo CNC,manufacturing_engineering_technology,CH,f,Demo F,701,,\n"
    )
    before = await counts(client)
    report = await run(
        client, path, ImportOptions(starts_on=date(2024, 5, 1), ends_on=date(2024, 5, 3))
    )
    assert report.status == "refused"
    problems = [(p.where, p.message.split(":")[0]) for p in report.problems]
    assert problems == [
        ("line 3", "Expected `float | null`, got `str` - at `$.mark`"),
        ("line 6", "unknown sector 'Cooking'"),
        ("line 7", "competition OTHER2024, not DEMOCSV2024 (one file, one competition)"),
        ("skill 17 (line 5)", "a new skill needs its sector"),
        ("line 2", "member"),
        ("line 4", "member"),
        ("line 7", "member"),
        ("line 5", "member"),
        ("line 4", "position"),
    ]
    assert await counts(client) == before


async def test_national_ids_are_checked_and_kept_only_as_their_hash(
    client: Client, tmp_path: Path
) -> None:
    body = "11010519900307123"
    good, bad = body + mod11_2(body), body + ("1" if mod11_2(body) != "1" else "2")
    header = "competition,skill_number,sector,member_code,competitor_names,competitor_national_ids"
    rows = [
        f"DEMOIDS2024,07,manufacturing_engineering_technology,CN,Demo A,{good},760,,",
        f"DEMOIDS2024,07,manufacturing_engineering_technology,KR,Demo B,{bad},750,,",
    ]
    path = tmp_path / "results.csv"
    path.write_text("\n".join([f"{header},mark,position,medal", *rows]) + "\n")
    options = ImportOptions(
        starts_on=date(2024, 5, 1), ends_on=date(2024, 5, 3), create_members=True
    )
    refused = await run(client, path, options)
    assert [p.where for p in refused.problems] == ["line 3"]
    assert refused.problems[0].message.startswith("national_id: ")
    path.write_text("\n".join([f"{header},mark,position,medal", rows[0]]) + "\n")
    applied = await run(client, path, options)
    assert applied.status == "applied", applied.problems
    stored = await client.runtime.pool.fetchrow(
        "SELECT nid_hash, id_last4 FROM competitions.result_competitor"
    )
    assert stored["id_last4"] == good[-4:] and stored["nid_hash"] not in (None, good)


async def test_a_known_skill_keeps_its_sector(client: Client, tmp_path: Path) -> None:
    first = write_json(tmp_path / "first.json", [worldskills_result("07", "CN", 760, "GOLD")])
    assert (await run(client, first, replace(WS2019, create_members=True))).status == "applied"
    moved = worldskills_result("07", "CN", 760, "GOLD")
    moved["skill"]["sector"] = "Transportation and Logistics"
    report = await run(client, write_json(tmp_path / "moved.json", [moved]), WS2019)
    assert [(p.where, p.message) for p in report.problems] == [
        (
            "skill 07 (results[0])",
            "sector transportation_logistics, but the skill is in "
            "information_communication_technology",
        )
    ]


async def test_changed_results_under_the_same_revision_are_refused(
    client: Client, tmp_path: Path
) -> None:
    first = write_json(tmp_path / "first.json", [worldskills_result("07", "CN", 760, "GOLD")])
    assert (await run(client, first, replace(WS2019, create_members=True))).status == "applied"
    second = write_json(tmp_path / "second.json", [worldskills_result("07", "CN", 765, "GOLD")])
    refused = await run(client, second, WS2019)
    assert [p.where for p in refused.problems] == ["skill 07 (results[0])"]
    assert "publish a correction as a higher revision" in refused.problems[0].message
    corrected = await run(client, second, replace(WS2019, revision=2))
    assert [(s.skill, s.status) for s in corrected.skills] == [("07", "applied")]


def test_cli_refuses_with_every_row_and_a_non_zero_exit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command itself (no consumer runs here, so an accepted file stays pending)."""
    monkeypatch.setenv("DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("NATS_URL", str(settings.nats_url))
    monkeypatch.setenv("SKILLSREG_SUBJECT_ROOT", settings.subject_root)
    path = tmp_path / "results.csv"
    header = "competition,skill_number,skill_name,member_code,competitor_ids,competitor_names,"
    path.write_text(
        f"{header}mark,position,medal\n"
        "DEMOCLI2024,07,Demo CNC,CN,demo-cli-cn,Demo CLI CN,760,,GOLD\n"
        "DEMOCLI2024,17,Demo Web,KR,demo-cli-kr,Demo CLI KR,740,3,\n"
    )
    dates = ["--starts-on", "2024-05-01", "--ends-on", "2024-05-03", "--wait", "0"]
    refused = CliRunner().invoke(app, ["competitions", "import", str(path), *dates])
    assert refused.exit_code == 1, refused.output
    assert "refused: 5 problem(s); nothing was written" in refused.output
    for line in (
        "skill 07 (line 2): a new skill needs its sector",
        "line 2: member: unknown member 'CN' (--create-members adds it)",
        "line 3: position: position 3 contradicts the marks: mark 740 places 1",
    ):
        assert line in refused.output
    result = CliRunner().invoke(
        app,
        [
            "import",
            "competitions",
            str(EXAMPLES / "results-national.csv"),
            *dates,
            "--kind",
            "national",
            "--create-members",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "DEMONAT2023 (competition created): 5 rows, 2 skills: pending" in result.output
    assert "members created: CN-GD, CN-JS, CN-SH" in result.output
    bad = CliRunner().invoke(app, ["competitions", "import", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2  # no such file: typer names the argument


def test_reading_the_worldskills_shape(tmp_path: Path) -> None:
    """The competition code is `skill.event.code` (a top-level `event.code` is read when it is
    the only one, and must agree); sectors by WorldSkills name or key; numbers padded."""
    inner = worldskills_result("7", "cn", 760, "gold")
    top = worldskills_result("17", "KR", 750, None)
    del top["skill"]["event"]
    top["event"] = {"code": "DEMOWS2019"}
    top["skill"]["sector"] = "social_personal_services"
    clash = worldskills_result("19", "FR", 740, None, event={"code": "DEMOWS2022"})
    clash["skill"]["sector"] = {"name": {"text": "Cooking"}}
    found = read_rows(write_json(tmp_path / "results.json", [inner, top, clash]))
    assert [(r.where, r.competition, r.skill, r.sector, r.line.member) for r in found.rows] == [
        ("results[0] (skill 07)", "DEMOWS2019", "07", "information_communication_technology", "CN"),
        ("results[1] (skill 17)", "DEMOWS2019", "17", "social_personal_services", "KR"),
    ]
    assert found.rows[0].line.medal == "GOLD"
    assert [(p.where, p.message) for p in found.problems] == [
        ("results[2] (skill 19)", "skill.event.code DEMOWS2019 and event.code DEMOWS2022 differ")
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [')
    assert read_rows(broken).problems[0].message.startswith("not JSON")
