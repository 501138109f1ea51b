"""Import a competition's results from a CSV or WorldSkills-shaped JSON file: one submission.

A file is checked as `POST /competitions/{code}/results` checks a body
(`handlers.check_submission`: national IDs, skills, members, team sizes, medals against marks,
revisions), plus what only a file can get wrong: a position its marks contradict, two
competitions in one file, a skill's sector. The skeleton the results need (the competition when
dates are given, new skills, unknown members only with `create_members`) is written in the same
transaction as the check, so any problem rolls all of it back; every problem is reported by file
row (CSV line, JSON result index and skill). A clean file commits its skeleton and goes on the
bus as ONE results event, which the consumer applies whole or not at all. A file whose results
are all applied already is reported unchanged and publishes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from schemas.competitions import (
    CompetitionCode,
    CompetitionCreate,
    CompetitionRules,
    MemberCreate,
    ResultsPublished,
    SkillCreate,
    SkillResults,
    SkillResultsSubmitted,
)
from schemas.envelope import Event
from services.platform.bus import Bus
from services.platform.db import Connection, Pool

from . import handlers, store
from .domain import Scored, albert_vidal, best_of_nation, derive
from .result_files import SECTORS, ResultsFile, Row, RowProblem


@dataclass(frozen=True)
class ImportOptions:
    competition: str | None = None
    name: str | None = None
    kind: str = "worldskills"
    organiser: str = "import"
    starts_on: date | None = None
    ends_on: date | None = None
    sector: str | None = None  # for new skills the file gives no sector
    revision: int = 1
    rules: CompetitionRules = field(default_factory=CompetitionRules)
    create_members: bool = False
    actor: str = "cli:import"


@dataclass
class SkillOutcome:
    skill: str
    sector: str
    lines: int
    medals: dict[str, int] = field(default_factory=dict)
    status: str = "refused"  # refused | pending | applied | unchanged


@dataclass
class ImportReport:
    competition: str
    rows: int
    status: str = "refused"  # refused | unchanged | pending | applied
    created_competition: bool = False
    created_members: list[str] = field(default_factory=list)
    skills: list[SkillOutcome] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    award_mismatches: list[str] = field(default_factory=list)
    event_id: str = ""
    reason: str = ""  # why the consumer refused a published file


class _Refused(Exception):
    """Rolls the skeleton back."""


@dataclass
class _Submission:
    """The file as one submission, and where each of its lines came from."""

    by_skill: dict[str, list[Row]]
    skills: list[SkillResultsSubmitted]


def _skill_where(number: str, rows: list[Row]) -> str:
    first = rows[0].where.split(" (")[0]
    more = f" and {len(rows) - 1} more" if len(rows) > 1 else ""
    return f"skill {number} ({first}{more})"


def _competition(rows: list[Row], given: str | None) -> tuple[str | None, list[RowProblem]]:
    """The one competition the file is for (`given` wins, and the rows must agree with it)."""
    named = [r for r in rows if r.competition]
    code = given or (named[0].competition if named else None)
    if code is None:
        return None, [RowProblem("file", "no competition code in the file; pass --competition")]
    problems = [
        RowProblem(r.where, f"competition {r.competition}, not {code} (one file, one competition)")
        for r in named
        if r.competition != code
    ]
    try:
        msgspec.convert(code, CompetitionCode)
    except msgspec.ValidationError as exc:
        return None, [*problems, RowProblem("file", f"competition code {code!r}: {exc}")]
    return code, problems


def _submission(rows: list[Row], revision: int) -> tuple[_Submission, list[RowProblem]]:
    by_skill: dict[str, list[Row]] = {}
    for row in rows:
        by_skill.setdefault(row.skill, []).append(row)
    by_skill = dict(sorted(by_skill.items()))
    try:
        skills = msgspec.convert(
            [
                {"skill": s, "revision": revision, "results": [r.line for r in rs]}
                for s, rs in by_skill.items()
            ],
            list[SkillResultsSubmitted],
        )
    except msgspec.ValidationError as exc:  # too many skills or lines for one submission
        return _Submission(by_skill, []), [RowProblem("file", str(exc))]
    return _Submission(by_skill, skills), []


FIELD = re.compile(r"^skills\[(\d+)\](?:\.results\[(\d+)\])?\.?(.*)$")


def _at_row(field_path: str, message: str, sub: _Submission, create_members: bool) -> RowProblem:
    """A problem the checks name by field path (`skills[2].results[5].medal`), by file row."""
    found = FIELD.match(field_path)
    if not found:
        return RowProblem("file", f"{field_path}: {message}")
    number = sub.skills[int(found[1])].skill
    rows = sub.by_skill[number]
    rest = found[3].split(".")[-1] if found[3] else ""
    if rest == "member" and message.startswith("unknown member") and not create_members:
        message += " (--create-members adds it)"
    if found[2] is None:
        return RowProblem(_skill_where(number, rows), message)
    return RowProblem(rows[int(found[2])].where, f"{rest}: {message}" if rest else message)


def position_problems(skills: list[SkillResults], rules: CompetitionRules) -> list[tuple[str, str]]:
    """A given position must be the place the marks give (results without marks keep theirs)."""
    out = []
    for i, results in enumerate(skills):
        if any(line.mark is None for line in results.results):
            continue
        derived = derive(results.results, rules)
        for j, (line, (place, _)) in enumerate(zip(results.results, derived, strict=True)):
            if line.position is not None and line.position != place:
                out.append(
                    (
                        f"skills[{i}].results[{j}].position",
                        f"position {line.position} contradicts the marks: mark {line.mark:g} "
                        f"places {place}",
                    )
                )
    return out


def award_mismatches(rows: list[Row]) -> list[str]:
    """Where the file's own award flags differ from the awards its marks imply."""
    marked = [r for r in rows if r.line.mark is not None]
    scored = [Scored(r.line.member, r.line.mark or 0.0) for r in marked]
    nation, vidal = set(best_of_nation(scored)), set(albert_vidal(scored))
    out = []
    for i, r in enumerate(marked):
        given_nation, given_vidal = r.flags
        if given_nation and i not in nation:
            out.append(f"{r.where}: {r.line.member} flagged best of nation, not its best mark")
        if given_vidal and i not in vidal:
            out.append(f"{r.where}: {r.line.member} flagged Albert Vidal, not the top mark")
    return out


async def import_file(
    pool: Pool,
    bus: Bus,
    file: ResultsFile,
    options: ImportOptions,
    *,
    id_hash_key: bytes,
    today: date | None = None,
    step: Callable[[str], None] = lambda _: None,
) -> ImportReport:
    """Check the whole file with its skeleton in one transaction; publish it if it is clean."""
    code, problems = _competition(file.rows, options.competition)
    report = ImportReport(competition=code or "?", rows=len(file.rows))
    report.problems = [*file.problems, *problems]
    if not file.rows and not file.problems:
        report.problems.append(RowProblem("file", "no results in the file"))
    sub, problems = _submission(file.rows, options.revision)
    report.problems += problems
    report.award_mismatches = award_mismatches(file.rows)
    if code is None or not file.rows:
        return report
    checked: handlers.CheckedResults | None = None
    try:
        async with pool.acquire() as conn, conn.transaction():
            checked = await _check(conn, report, sub, options, id_hash_key, today)
            step("checked")
            if report.problems or checked is None:
                raise _Refused
            if checked.plan.apply:
                report.event_id = await handlers.submission_event_id(
                    conn, code, checked.skills, None
                )
                event = _event(code, checked.skills, options, report.event_id)
                size, limit = len(msgspec.json.encode(event)), bus.nc.max_payload
                if size > limit:
                    report.problems.append(
                        RowProblem("file", f"{size} bytes as one event; the bus takes {limit}")
                    )
                    raise _Refused
    except _Refused:
        report.status, report.created_competition, report.created_members = "refused", False, []
        for outcome in report.skills:
            outcome.status = "refused"
        return report
    assert checked is not None
    if not checked.plan.apply:
        report.status = "unchanged"
        return report
    await bus.publish(_event(code, checked.skills, options, report.event_id))
    step("published")
    report.status = "pending"
    return report


def _event(
    code: str, skills: list[SkillResults], options: ImportOptions, event_id: str
) -> Event[ResultsPublished]:
    return handlers.results_event(
        code, skills, actor=options.actor, event_id=event_id, source="/competitions/import"
    )


async def _check(
    conn: Connection,
    report: ImportReport,
    sub: _Submission,
    options: ImportOptions,
    id_hash_key: bytes,
    today: date | None,
) -> handlers.CheckedResults | None:
    """Write the skeleton and check the submission against it; problems go into the report."""
    code = report.competition
    competition = await store.get_competition(conn, code)
    if competition is None:
        if not (options.starts_on and options.ends_on):
            report.problems.append(
                RowProblem("file", f"no competition {code}; --starts-on and --ends-on create it")
            )
            return None
        try:
            created = msgspec.convert(
                {
                    "code": code,
                    "name": options.name or code,
                    "kind": options.kind,
                    "organiser": options.organiser,
                    "starts_on": options.starts_on,
                    "ends_on": options.ends_on,
                    "rules": msgspec.to_builtins(options.rules),
                },
                CompetitionCreate,
                strict=False,
            )
        except msgspec.ValidationError as exc:
            report.problems.append(RowProblem("options", f"the competition cannot be made: {exc}"))
            return None
        if created.ends_on < created.starts_on:
            report.problems.append(RowProblem("options", "--ends-on is before --starts-on"))
            return None
        report.created_competition = await store.insert_competition(conn, created, options.actor)
        competition = await store.get_competition(conn, code)
    rows = [r for rs in sub.by_skill.values() for r in rs]
    if options.create_members:
        codes = sorted({r.line.member for r in rows})
        known = await store.known_members(conn, codes)
        names = {r.line.member: r.member_name for r in reversed(rows)}
        new = [
            MemberCreate(
                code=c,
                name_en=(names[c] or c)[:200],
                kind="province" if "-" in c else "member",
            )
            for c in codes
            if c not in known
        ]
        await store.upsert_members(conn, new, rename=False)
        report.created_members = [m.code for m in new]
    await _skills(conn, report, sub, options)
    if not sub.skills:
        return None
    checked = await handlers.check_submission(
        conn,
        competition,
        sub.skills,
        id_hash_key=id_hash_key,
        today=today or datetime.now(UTC).date(),
    )
    rules = handlers.rules_of(competition)
    found = checked.plan.problems + checked.plan.conflicts
    found += position_problems(checked.skills, rules)
    report.problems += [_at_row(f, m, sub, options.create_members) for f, m in found]
    unchanged = set(checked.plan.unchanged)
    for outcome, results in zip(report.skills, checked.skills, strict=True):
        for _, medal in derive(results.results, rules):
            outcome.medals[medal] = outcome.medals.get(medal, 0) + 1
        outcome.status = "unchanged" if results.skill in unchanged else "pending"
    return checked


async def _skills(
    conn: Connection, report: ImportReport, sub: _Submission, options: ImportOptions
) -> None:
    """Add the skills the competition lacks; a known skill keeps its sector (the file's must
    agree)."""
    known = await store.skill_facts(conn, report.competition, list(sub.by_skill))
    new: list[dict[str, Any]] = []
    for number, rows in sub.by_skill.items():
        where = _skill_where(number, rows)
        given = sorted({r.sector for r in rows if r.sector})
        if len(given) > 1:
            report.problems.append(RowProblem(where, f"rows give sectors {', '.join(given)}"))
        row = known.get(number)
        sector = row["sector"] if row else (given[0] if given else options.sector)
        if row and given and given[0] != row["sector"]:
            report.problems.append(
                RowProblem(where, f"sector {given[0]}, but the skill is in {row['sector']}")
            )
        if sector is None:
            report.problems.append(
                RowProblem(
                    where,
                    "a new skill needs its sector: skill.sector (JSON), a sector column (CSV) "
                    "or --sector",
                )
            )
        if row is None:
            name = next((r.skill_name for r in rows if r.skill_name), f"Skill {number}")
            new.append(
                {
                    "number": number,
                    "name_en": name[:200],
                    # Without a sector the file is refused (rolled back); the skill is added
                    # anyway so that its results are checked too.
                    "sector": sector or SECTORS[0],
                    "team_size": min(20, max(len(r.line.competitors) for r in rows)),
                }
            )
        report.skills.append(SkillOutcome(number, sector or "?", len(rows)))
    if new:
        await store.insert_skills(conn, report.competition, msgspec.convert(new, list[SkillCreate]))


async def settle(pool: Pool, report: ImportReport) -> None:
    """Fill in what the consumer did with a published file (if it has by now)."""
    if report.status != "pending":
        return
    row = await store.submission(pool, report.event_id)
    if row is None:
        return
    if row["status"] == "refused":
        report.status, report.reason = "refused", row["reason"] or ""
        for outcome in report.skills:
            outcome.status = "refused"
        return
    applied, unchanged = set(row["applied"]), set(row["unchanged"])
    report.status = "applied" if applied else "unchanged"
    for outcome in report.skills:
        if outcome.skill in applied:
            outcome.status = "applied"
        elif outcome.skill in unchanged:
            outcome.status = "unchanged"
