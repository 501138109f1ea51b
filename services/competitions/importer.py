"""Import a competition's results from CSV or WorldSkills-results-API-shaped JSON.

The skeleton (competition, members, skills) is written directly, as an operator tool; the
results go through the bus like any organiser's, one event per skill, so one refused skill
does not hold the others back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from schemas.competitions import (
    CompetitionCreate,
    CompetitionRules,
    Competitor,
    MemberCreate,
    ResultLine,
    SkillCreate,
    SkillResults,
)
from services.platform.bus import Bus
from services.platform.db import Pool

from . import domain, handlers, store
from .domain import Scored, albert_vidal, best_of_nation, derive


class ImportError_(ValueError):
    """The file cannot be read as results."""


@dataclass
class Row:
    event: str
    skill: str
    skill_name: str
    member: str
    member_name: str
    competitors: list[Competitor]
    mark: float
    position: int | None
    medal: str | None
    flags: tuple[bool, bool] = (False, False)  # best of nation, Albert Vidal, as the file says


@dataclass
class SkillOutcome:
    skill: str
    lines: int
    medals: dict[str, int]
    status: str  # published | refused | applied | unchanged | pending
    reason: str = ""
    event_id: str = ""


@dataclass
class ImportReport:
    competition: str
    rows: int
    created_competition: bool
    skills: list[SkillOutcome] = field(default_factory=list)
    award_mismatches: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    """WorldSkills names come as plain text or `{text|en: ...}`."""
    if isinstance(value, dict):
        value = value.get("text") or value.get("en") or next(iter(value.values()), "")
    return str(value or "").strip()


def _person(raw: Any) -> Competitor:
    if isinstance(raw, str):
        return Competitor(name=raw)
    name = raw.get("name") or " ".join(
        p for p in (raw.get("first_name"), raw.get("last_name")) if p
    )
    person_id = raw.get("id") or raw.get("person_id")
    return Competitor(name=_text(name) or "unnamed", id=str(person_id) if person_id else None)


def read_json(path: Path) -> list[Row]:
    """Results shaped like the WorldSkills results API: a list, or `{results: [...]}`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.get("results", data) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportError_("expected a list of results or {results: [...]}")
    rows = []
    for n, item in enumerate(items):
        try:
            medal = item.get("medal") or {}
            rows.append(
                Row(
                    event=_text((item.get("event") or {}).get("code")),
                    skill=_text(item["skill"]["number"]),
                    skill_name=_text(item["skill"].get("name")),
                    member=_text(item["member"]["code"]).upper(),
                    member_name=_text(item["member"].get("name")),
                    competitors=[_person(c) for c in item.get("competitors") or []],
                    mark=float(item["mark"]),
                    position=int(item["position"]) if item.get("position") else None,
                    medal=_text(medal.get("code") if isinstance(medal, dict) else medal) or None,
                    flags=(bool(item.get("best_of_nation")), bool(item.get("albert_vidal_award"))),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ImportError_(f"result {n}: {type(exc).__name__}: {exc}") from exc
    return rows


def read_csv(path: Path) -> list[Row]:
    """Columns: event_code, skill_number, skill_name, member_code, competitor_ids,
    competitor_names (`;`-separated), mark, position, medal."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for n, rec in enumerate(csv.DictReader(handle), start=2):
            try:
                names = [x.strip() for x in rec["competitor_names"].split(";") if x.strip()]
                ids = [x.strip() for x in (rec.get("competitor_ids") or "").split(";")]
                people = [
                    Competitor(name=name, id=ids[i] if i < len(ids) and ids[i] else None)
                    for i, name in enumerate(names)
                ]
                rows.append(
                    Row(
                        event=rec.get("event_code", "").strip(),
                        skill=rec["skill_number"].strip(),
                        skill_name=rec.get("skill_name", "").strip(),
                        member=rec["member_code"].strip().upper(),
                        member_name=rec.get("member_name", "").strip(),
                        competitors=people,
                        mark=float(rec["mark"]),
                        position=int(rec["position"]) if rec.get("position") else None,
                        medal=(rec.get("medal") or "").strip().upper() or None,
                    )
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise ImportError_(f"line {n}: {type(exc).__name__}: {exc}") from exc
    return rows


def read_rows(path: Path, kind: str | None = None) -> list[Row]:
    kind = kind or path.suffix.lstrip(".").lower()
    if kind == "json":
        return read_json(path)
    if kind == "csv":
        return read_csv(path)
    raise ImportError_(f"unknown format {kind!r}: csv or json")


def skill_results(rows: Iterable[Row], revision: int) -> list[SkillResults]:
    by_skill: dict[str, list[ResultLine]] = {}
    for row in rows:
        by_skill.setdefault(row.skill, []).append(
            ResultLine(
                member=row.member,
                competitors=row.competitors,
                mark=row.mark,
                position=row.position,
                medal=row.medal,  # type: ignore[arg-type]
            )
        )
    return [
        msgspec.convert(
            {"skill": s, "revision": revision, "results": msgspec.to_builtins(lines)},
            SkillResults,
        )
        for s, lines in sorted(by_skill.items())
    ]


def award_mismatches(rows: list[Row]) -> list[str]:
    """Where the file's own award flags differ from the awards its marks imply."""
    scored = [Scored(r.member, r.mark) for r in rows]
    nation, vidal = set(best_of_nation(scored)), set(albert_vidal(scored))
    out = []
    for i, r in enumerate(rows):
        given_nation, given_vidal = r.flags
        if given_nation and i not in nation:
            out.append(f"{r.skill}/{r.member}: flagged best of nation, not the member's best")
        if given_vidal and i not in vidal:
            out.append(f"{r.skill}/{r.member}: flagged Albert Vidal, not the top mark")
    return out


@dataclass(frozen=True)
class ImportOptions:
    competition: str | None = None
    name: str | None = None
    kind: str = "worldskills"
    organiser: str = "import"
    starts_on: date | None = None
    ends_on: date | None = None
    sector: str = "manufacturing_engineering_technology"
    revision: int = 1
    rules: CompetitionRules = field(default_factory=CompetitionRules)
    actor: str = "cli:import"


async def import_rows(
    pool: Pool,
    bus: Bus,
    rows: list[Row],
    options: ImportOptions,
    step: Callable[[str], None] = lambda _: None,
) -> ImportReport:
    """Write the skeleton, check each skill, publish the good ones; report everything."""
    code = options.competition or next((r.event for r in rows if r.event), "")
    if not code:
        raise ImportError_("no competition code in the file; pass --competition")
    report = ImportReport(competition=code, rows=len(rows), created_competition=False)
    if options.starts_on and options.ends_on:
        created = CompetitionCreate(
            code=code,
            name=options.name or code,
            kind=options.kind,  # type: ignore[arg-type]
            organiser=options.organiser,
            starts_on=options.starts_on,
            ends_on=options.ends_on,
            rules=options.rules,
        )
        report.created_competition = await store.insert_competition(pool, created, options.actor)
    competition = await store.get_competition(pool, code)
    if competition is None:
        raise ImportError_(f"competition {code} does not exist; pass --starts-on/--ends-on")
    members = {r.member: r.member_name or r.member for r in rows}
    await store.upsert_members(
        pool,
        [
            msgspec.convert({"code": c, "name_en": n}, MemberCreate)
            for c, n in sorted(members.items())
        ],
        rename=False,
    )
    team: dict[str, int] = {}
    for r in rows:
        team[r.skill] = max(team.get(r.skill, 1), len(r.competitors))
    names = {r.skill: r.skill_name or f"Skill {r.skill}" for r in rows}
    await store.insert_skills(
        pool,
        code,
        [
            msgspec.convert(
                {"number": s, "name_en": names[s], "sector": options.sector, "team_size": n},
                SkillCreate,
            )
            for s, n in sorted(team.items())
        ],
    )
    report.award_mismatches = award_mismatches(rows)
    rules = handlers.rules_of(competition)
    for results in skill_results(rows, options.revision):
        step(results.skill)
        medals: dict[str, int] = {}
        for _, medal in derive(results.results, rules):
            medals[medal] = medals.get(medal, 0) + 1
        outcome = SkillOutcome(results.skill, len(results.results), medals, "published")
        async with pool.acquire() as conn:
            found = await handlers.plan(conn, competition, [results], lock=False)
        refusal = found.refusal()
        if refusal:
            outcome.status, outcome.reason = "refused", refusal
        else:
            event = handlers.results_event(
                code,
                [results],
                actor=options.actor,
                event_id=domain.content_event_id(code, [results]),
                source="/competitions/import",
            )
            await bus.publish(event)
            outcome.event_id = event.id
        report.skills.append(outcome)
    return report


async def settle(pool: Pool, report: ImportReport) -> None:
    """Fill in what the consumer did with each published skill (if it has by now)."""
    for outcome in report.skills:
        if not outcome.event_id:
            continue
        row = await store.submission(pool, outcome.event_id)
        if row is None:
            outcome.status = "pending"
        elif row["status"] == "refused":
            outcome.status, outcome.reason = "refused", row["reason"]
        else:
            outcome.status = "applied" if row["applied"] else "unchanged"
