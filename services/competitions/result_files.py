"""Results files as the competitions import reads them: CSV, or JSON in the WorldSkills results
shape, into rows that each remember where in the file they came from (`line 7`,
`results[12] (skill 07)`); a row that cannot be read is a problem at that place, not the end
of the file."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import msgspec

from schemas.competitions import ResultLineSubmitted, Sector, SkillNumber

from .domain import skill_number

SECTORS: tuple[str, ...] = get_args(Sector)
CSV_REQUIRED = ("skill_number", "member_code", "competitor_names")


class UnknownFormat(ValueError):
    """Neither CSV nor JSON."""


@dataclass(frozen=True)
class RowProblem:
    where: str  # `line 7` (CSV), `results[3] (skill 07)` (JSON), `skill 07 (…)`, `file`
    message: str


@dataclass(frozen=True)
class Row:
    where: str
    competition: str  # "" when the row names none
    skill: str
    skill_name: str
    sector: str | None  # a Sector value; None when the file gives none
    member_name: str
    line: ResultLineSubmitted
    flags: tuple[bool, bool] = (False, False)  # best of nation, Albert Vidal, as the file says


@dataclass
class ResultsFile:
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# -- reading files ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """WorldSkills names come as plain text or `{text|en: ...}`."""
    if isinstance(value, dict):
        value = value.get("text") or value.get("en") or next(iter(value.values()), "")
    return str(value if value is not None else "").strip()


def sector_of(value: Any) -> str | None:
    """A Sector from `manufacturing_engineering_technology`, `Manufacturing and Engineering
    Technology` or WorldSkills' `{name: {text: ...}}`; None when empty."""
    if isinstance(value, dict):
        value = value.get("name", value.get("code"))
    text = _text(value)
    if not text:
        return None
    key = "_".join(w for w in re.findall(r"[a-z]+", text.lower()) if w != "and")
    if key not in SECTORS:
        raise ValueError(f"unknown sector {text!r}: one of {', '.join(SECTORS)}")
    return key


def _number(value: Any) -> str:
    text = _text(value)
    return skill_number(text) or text


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return str(exc)


def _person(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        return {"name": raw}
    name = raw.get("name") or " ".join(
        p for p in (raw.get("first_name"), raw.get("last_name")) if p
    )
    person_id = raw.get("id") or raw.get("person_id")
    person = {"name": _text(name), "id": str(person_id) if person_id else None}
    if raw.get("national_id"):
        person["national_id"] = str(raw["national_id"]).strip()
    return person


def _line(entry: dict[str, Any]) -> ResultLineSubmitted:
    return msgspec.convert(entry, ResultLineSubmitted, strict=False)


def _json_row(where: str, item: Any) -> Row:
    skill, member = item["skill"], item["member"]
    code = _text((skill.get("event") or {}).get("code"))
    top = _text((item.get("event") or {}).get("code"))
    if code and top and code != top:
        raise ValueError(f"skill.event.code {code} and event.code {top} differ")
    medal = item.get("medal")
    medal = _text(medal.get("code") if isinstance(medal, dict) else medal).upper()
    line = _line(
        {
            "member": _text(member["code"]).upper(),
            "competitors": [_person(c) for c in item.get("competitors") or []],
            "mark": item.get("mark"),
            "position": item.get("position") or None,
            "medal": medal or None,
        }
    )
    return Row(
        where=where,
        competition=code or top,
        skill=msgspec.convert(_number(skill["number"]), SkillNumber),
        skill_name=_text(skill.get("name")),
        sector=sector_of(skill.get("sector")),
        member_name=_text(member.get("name")),
        line=line,
        flags=(bool(item.get("best_of_nation")), bool(item.get("albert_vidal_award"))),
    )


def read_json(path: Path) -> ResultsFile:
    """Results shaped like the WorldSkills results API: a list, or `{results: [...]}`; each
    with `skill: {number, name, sector, event: {code}}`, `member: {code, name}`,
    `competitors`, `mark`, `position`, `medal`."""
    out = ResultsFile()
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        out.problems.append(RowProblem("file", f"not JSON: {exc}"))
        return out
    items = data.get("results", data) if isinstance(data, dict) else data
    if not isinstance(items, list):
        out.problems.append(RowProblem("file", "expected a list of results or {results: [...]}"))
        return out
    for n, item in enumerate(items):
        where = f"results[{n}]"
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            where += f" (skill {_number(item['skill']['number'])})"
        try:
            out.rows.append(_json_row(where, item))
        except (KeyError, TypeError, ValueError, AttributeError, msgspec.ValidationError) as exc:
            out.problems.append(RowProblem(where, _reason(exc)))
    return out


def _list(cell: str | None) -> list[str]:
    return [x.strip() for x in (cell or "").split(";")]


def _csv_row(where: str, rec: Mapping[str, str | None]) -> Row:
    def cell(name: str) -> str:
        return (rec.get(name) or "").strip()

    names = [x for x in _list(rec.get("competitor_names")) if x]
    ids, national = _list(rec.get("competitor_ids")), _list(rec.get("competitor_national_ids"))
    people = []
    for i, name in enumerate(names):
        person: dict[str, Any] = {"name": name, "id": ids[i] if i < len(ids) and ids[i] else None}
        if i < len(national) and national[i]:
            person["national_id"] = national[i]
        people.append(person)
    line = _line(
        {
            "member": cell("member_code").upper(),
            "competitors": people,
            "mark": cell("mark") or None,
            "position": cell("position") or None,
            "medal": cell("medal").upper() or None,
        }
    )
    return Row(
        where=where,
        competition=cell("competition") or cell("event_code"),
        skill=msgspec.convert(_number(cell("skill_number")), SkillNumber),
        skill_name=cell("skill_name"),
        sector=sector_of(cell("sector")),
        member_name=cell("member_name"),
        line=line,
    )


def read_csv(path: Path) -> ResultsFile:
    """One row per entry (a team is one row, its competitors `;`-separated): competition,
    skill_number, skill_name, sector, member_code, member_name, competitor_ids,
    competitor_names, competitor_national_ids, mark, position, medal."""
    out = ResultsFile()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        out.problems.append(RowProblem("file", f"not UTF-8 text: {exc}"))
        return out
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CSV_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        out.problems.append(RowProblem("line 1", f"missing column(s) {', '.join(missing)}"))
        return out
    for rec in reader:
        # The line the row starts on (a quoted cell may span lines).
        spans = sum(v.count("\n") for v in rec.values() if isinstance(v, str))
        where = f"line {reader.line_num - spans}"
        try:
            out.rows.append(_csv_row(where, rec))
        except (ValueError, msgspec.ValidationError) as exc:
            out.problems.append(RowProblem(where, _reason(exc)))
    return out


def read_rows(path: Path, kind: str | None = None) -> ResultsFile:
    kind = kind or path.suffix.lstrip(".").lower()
    if kind == "json":
        return read_json(path)
    if kind == "csv":
        return read_csv(path)
    raise UnknownFormat(f"unknown format {kind!r}: csv or json")
