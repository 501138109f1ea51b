"""Rules of the occupational classification: code shapes, parents, tags. No I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

import msgspec

from schemas.occupations import (
    RELEASE_ITEM_LIMIT,
    OccupationAmendment,
    OccupationItem,
    OccupationRetirement,
    ReleasePublished,
)

CODE = re.compile(r"^[1-8](-\d{2}){3}$")
OFFICIAL_OCCUPATIONS_2022 = 1639  # press figure for the 2022 edition
PRESS_2022 = "public press material on the 2022 edition"
HANDMSG = "interview published by handmsg.com, March 2025"
# Published figures of the classification's history: (key, period, figures, source). Pages
# word each key in their language; data/new-occupations-facts.md lists the same with sources.
CLASSIFICATION_HISTORY: tuple[tuple[str, str, dict[str, int], str], ...] = (
    ("first_edition", "1999", {"occupations": 1838}, HANDMSG),
    ("revisions", "1999–2022", {"revisions": 2}, PRESS_2022),
    ("edition_2022", "2022", {"major_groups": 8, "occupations": 1639}, PRESS_2022),
    (
        "green_occupations",
        "2022",
        {"occupations": 134, "share_percent": 8},
        "epaper.tianjinwe.com, 25 Nov 2024",
    ),
    ("first_new_occupations", "2004", {}, HANDMSG),
    ("batches_by_2009", "2004–2009", {"batches": 12, "occupations_over": 120}, HANDMSG),
    ("batches", "2019–2022", {"batches": 5, "occupations": 74}, HANDMSG),
    (
        "yearly_batch",
        "2024",
        {"occupations": 19, "work_types": 28, "adjusted": 11},
        "MOHRSS with SAMR and NBS, 31 July 2024 (press reports: china.zjol.com.cn, "
        "epaper.tianjinwe.com)",
    ),
    (
        "yearly_batch",
        "2025",
        {"occupations": 17, "work_types": 42, "adjusted": 9},
        "press reports of July 2025 (press conference of 22 July 2025)",
    ),
)
LEVEL_NAMES = {1: "major group", 2: "medium group", 3: "minor group", 4: "occupation"}
TAG_SUFFIXES = {"S": "digital", "L": "green"}


# Fields releases gained after the first format, with their defaults: left out of the content
# hash while unset, so a release stored before they existed keeps its hash (and a re-publish
# of it stays a no-op rather than a conflict).
LATER_RELEASE_FIELDS: dict[str, Any] = {
    "work_types": [],
    "work_type_amendments": [],
    "work_type_retirements": [],
    "comment_until": None,
    "supersedes": None,
    "published_figures": None,
    "import_report": None,
}
LATER_ITEM_FIELDS: dict[str, Any] = {"invented": [], "name_en_source": None}


def content_hash(release: ReleasePublished) -> str:
    body = _without(msgspec.to_builtins(release), LATER_RELEASE_FIELDS)
    body["items"] = [_without(item, LATER_ITEM_FIELDS) for item in body["items"]]
    return hashlib.sha256(msgspec.json.encode(body)).hexdigest()


def _without(body: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in defaults or v != defaults[k]}


def is_code(code: str) -> bool:
    return bool(CODE.match(code))


def shape_fits(code: str, level: int) -> bool:
    """Whether a code's segments fit the level it is given.

    Groups end in `00` segments (`4-00-00-00`, `4-04-00-00`, `4-04-05-00`). Occupations
    normally end in a non-zero segment, but where a minor group holds a single occupation the
    classification codes it with a trailing `00` (`1-02-01-00`), and some medium groups hold
    occupations directly (`1-01-00-01`).
    """
    _, medium, minor, job = code.split("-")
    if level == 1:
        return (medium, minor, job) == ("00", "00", "00")
    if level == 2:
        return medium != "00" and (minor, job) == ("00", "00")
    if level == 3:
        return medium != "00" and minor != "00" and job == "00"
    return medium != "00" and (minor != "00" or job != "00")


def ancestors_of(code: str) -> list[str]:
    """Group codes above `code`, nearest first (whichever of them exist)."""
    major, medium, minor, _ = code.split("-")
    chain = [f"{major}-{medium}-{minor}-00", f"{major}-{medium}-00-00", f"{major}-00-00-00"]
    return [c for c in dict.fromkeys(chain) if c != code and c < code]


def parent_in(code: str, level: int, known: dict[str, int]) -> str | None:
    """The nearest existing group above `code` (`known` maps codes to their level)."""
    for candidate in ancestors_of(code):
        if known.get(candidate, 99) < level:
            return candidate
    return None


def split_name_tags(name: str) -> tuple[str, list[str]]:
    """`…人员L/S` → (`…人员`, [digital, green]): the classification marks tags in the name."""
    name = name.strip()
    match = re.search(r"([SL](?:/[SL])*)$", name)
    if not match or match.start() == 0:
        return name, []
    tags = {TAG_SUFFIXES[letter] for letter in match.group(1).split("/")}
    return name[: match.start()].strip(), sorted(tags)


def split_tasks(text: str) -> list[str]:
    """`1.调查… 2.分析…` → [`调查…`, `分析…`]."""
    text = text.strip()
    if not text:
        return []
    parts = re.split(r"(?:^|\s)\d{1,2}[.．、]\s*", text)
    return [p.strip() for p in parts if p.strip()]


Issue = tuple[str, str]  # (JSON path in the release, what is wrong there)
State = dict[str, Any]  # an occupation as stored: the columns of STATE_FIELDS
STATE_FIELDS = (
    "code",
    "level",
    "parent_code",
    "name_zh",
    "name_en",
    "definition",
    "tasks",
    "aliases",
    "tags",
    "status",
    "invented",
    "name_en_source",
)
# Work types are entities of their own (see work_types.py): an occupation's state leaves them
# out, so adding a work type does not count as amending its occupation.
AMENDABLE = (
    "name_zh",
    "name_en",
    "definition",
    "tasks",
    "aliases",
    "tags",
    "invented",
    "name_en_source",
)
SORTED_LISTS = ("tags", "invented")


def check_items(
    items: Sequence[OccupationItem],
    known: dict[str, int],
    *,
    strict: bool = True,
    retired: frozenset[str] = frozenset(),
) -> tuple[list[str | None], list[Issue]]:
    """Parents for each item, and the problems that stop the release from applying.

    `known` maps catalogue codes (active or retired) to levels; a retired group cannot take
    new entries and a retired code is never reused. Strict (every release but the 2022
    baseline): an occupation's parent must be its own minor group. The baseline CSV lacks a
    few minor groups, so there the nearest existing group is accepted.
    """
    issues: list[Issue] = []
    parents: list[str | None] = []
    levels = {code: level for code, level in known.items() if code not in retired}
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"items[{index}].code"
        if not shape_fits(item.code, item.level):
            issues.append((where, f"{item.code} cannot be a {LEVEL_NAMES[item.level]}"))
        if item.code in seen:
            issues.append((where, f"{item.code} appears more than once in the release"))
        elif item.code in retired:
            issues.append((where, f"{item.code} was retired; retired codes are not reused"))
        elif item.code in known:
            issues.append((where, f"{item.code} is already in the catalogue"))
        parent = parent_in(item.code, item.level, levels)
        nearest = next(iter(ancestors_of(item.code)), None)
        if item.level > 1 and parent is None:
            issues.append(
                (
                    where,
                    f"{item.code} has no parent group in the catalogue or earlier in the release",
                )
            )
        elif strict and parent != nearest and item.level == 4 and item.code[-2:] != "00":
            issues.append((where, f"parent group {nearest} of {item.code} does not exist"))
        for position, work_type in enumerate(item.work_types):
            if not work_type.startswith(item.code + "-"):
                issues.append(
                    (
                        f"items[{index}].work_types[{position}]",
                        f"work type {work_type} is not under occupation {item.code}",
                    )
                )
        parents.append(parent)
        seen.add(item.code)
        levels.setdefault(item.code, item.level)
    return parents, issues


def amend(before: State, amendment: Any, fields: Sequence[str] = AMENDABLE) -> State:
    """The state after an amendment (of an occupation or a work type): only the fields it
    names change."""
    after = dict(before)
    for name in fields:
        value = getattr(amendment, name)
        if value is not msgspec.UNSET:
            after[name] = sorted(set(value)) if name in SORTED_LISTS else value
    return after


def check_amendments(
    amendments: Sequence[OccupationAmendment], current: dict[str, State]
) -> tuple[list[tuple[State, State]], list[Issue]]:
    changes: list[tuple[State, State]] = []
    issues: list[Issue] = []
    for index, amendment in enumerate(amendments):
        where, code = f"amendments[{index}].code", amendment.code
        before = current.get(code)
        if before is None:
            issues.append((where, f"cannot amend {code}: not in the catalogue"))
            continue
        if before["status"] == "retired":
            issues.append((where, f"cannot amend {code}: it was retired"))
            continue
        after = amend(before, amendment)
        listed = amendment.work_types  # the legacy way to change work types: codes only
        if after == before and listed is msgspec.UNSET:
            issues.append((where, f"the amendment of {code} changes nothing"))
        for position, work_type in enumerate(listed or []):
            if not work_type.startswith(code + "-"):
                issues.append(
                    (
                        f"amendments[{index}].work_types[{position}]",
                        f"work type {work_type} is not under occupation {code}",
                    )
                )
        if after != before:  # one that changes only work types leaves the occupation be
            changes.append((before, after))
    return changes, issues


def check_retirements(
    retirements: Sequence[OccupationRetirement],
    current: dict[str, State],
    active_children: dict[str, list[str]],
    replacements: set[str],
) -> tuple[list[tuple[State, State]], list[Issue]]:
    """`active_children` maps groups to their active entries; `replacements` are the codes a
    replacement may name (the catalogue's active codes and the release's new items)."""
    changes: list[tuple[State, State]] = []
    issues: list[Issue] = []
    leaving = {r.code for r in retirements}
    for index, retirement in enumerate(retirements):
        where, code = f"retirements[{index}].code", retirement.code
        before = current.get(code)
        if before is None:
            issues.append((where, f"cannot retire {code}: not in the catalogue"))
            continue
        if before["status"] == "retired":
            issues.append((where, f"{code} is already retired"))
            continue
        staying = [c for c in active_children.get(code, []) if c not in leaving]
        if staying:
            issues.append(
                (where, f"cannot retire group {code}: it still holds {', '.join(staying[:5])}")
            )
        for position, other in enumerate(retirement.replaced_by):
            if other not in replacements or other in leaving:
                issues.append(
                    (
                        f"retirements[{index}].replaced_by[{position}]",
                        f"replacement {other} is not an active occupation",
                    )
                )
        changes.append((before, before | {"status": "retired"}))
    return changes, issues


def check_overlaps(release: ReleasePublished) -> list[Issue]:
    """Each code at most once across items, amendments and retirements."""
    issues: list[Issue] = []
    seen: set[str] = {item.code for item in release.items}
    entries = [("amendments", [a.code for a in release.amendments])]
    entries.append(("retirements", [r.code for r in release.retirements]))
    for kind, codes in entries:
        for index, code in enumerate(codes):
            if code in seen:
                issues.append(
                    (f"{kind}[{index}].code", f"{code} appears more than once in the release")
                )
            seen.add(code)
    return issues


def size_issue(release: ReleasePublished) -> Issue | None:
    if release.size > RELEASE_ITEM_LIMIT:
        return (
            "$",
            f"the release has {release.size} entries (items + amendments + retirements); "
            f"the limit is {RELEASE_ITEM_LIMIT} per release: split it into several releases",
        )
    return None


def item_state(item: OccupationItem, parent: str | None) -> State:
    state = msgspec.structs.asdict(item) | {"parent_code": parent, "status": "active"}
    del state["work_types"]  # they become work-type entities
    state["invented"] = sorted(set(item.invented))
    return state


def field_changes(
    before: State | None, after: State, fields: Sequence[str] = STATE_FIELDS[1:]
) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field that differs; every set field when added.
    Fields a state predates (older history rows) read as their empty value."""
    after = {"status": "active"} | after  # baseline history rows predate the status key
    if before is None:
        return [(f, None, after.get(f)) for f in fields if after.get(f) not in (None, "", [])]
    before = {"status": "active"} | before
    return [
        (f, before.get(f), after.get(f))
        for f in fields
        if before.get(f) != after.get(f) and not (_empty(before.get(f)) and _empty(after.get(f)))
    ]


def _empty(value: Any) -> bool:
    return value in (None, "", [])


def net_changes(
    rows: Sequence[dict[str, Any]], fields: Sequence[str] = STATE_FIELDS[1:]
) -> Iterator[tuple[str, str, str, State, list[tuple[str, Any, Any]]]]:
    """Per code, what a run of releases did overall: (kind, code, last release, state, fields).

    `rows` are history rows (code, change, release_id, before, after) ordered by code, then
    release. Added wins over later changes; a code amended and amended back drops out.
    """
    for code, group in groupby(rows, key=lambda r: str(r["code"])):
        changes = list(group)
        first, last = changes[0], changes[-1]
        after: State = last["after"]
        if first["change"] == "added":
            kind, before = "added", None
        else:
            kind = "retired" if after.get("status") == "retired" else "amended"
            before = first["before"]
        changed = field_changes(before, after, fields)
        if changed:
            yield kind, code, str(last["release_id"]), after, changed


def change_rows(
    added: Sequence[State], changes: Sequence[tuple[str, State, State]], **extra: str
) -> list[State]:
    """History rows `{change, before, after}` (plus `extra`) for added and changed states."""
    rows: list[State] = [{**extra, "change": "added", "before": None, "after": a} for a in added]
    return rows + [{**extra, "change": k, "before": b, "after": a} for k, b, a in changes]


def describe(issues: Sequence[Issue], limit: int = 20) -> str:
    shown = "; ".join(f"{where}: {what}" for where, what in issues[:limit])
    more = f" (and {len(issues) - limit} more)" if len(issues) > limit else ""
    return shown + more
