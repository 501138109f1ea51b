"""Rules of the occupational classification: code shapes, parents, tags. No I/O."""

from __future__ import annotations

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
LEVEL_NAMES = {1: "major group", 2: "medium group", 3: "minor group", 4: "occupation"}
TAG_SUFFIXES = {"S": "digital", "L": "green"}


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
    "work_types",
    "status",
)
AMENDABLE = ("name_zh", "name_en", "definition", "tasks", "aliases", "tags", "work_types")


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


def amend(before: State, amendment: OccupationAmendment) -> State:
    """The state after an amendment: only the fields it names change."""
    after = dict(before)
    for name in AMENDABLE:
        value = getattr(amendment, name)
        if value is not msgspec.UNSET:
            after[name] = sorted(set(value)) if name == "tags" else value
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
        if after == before:
            issues.append((where, f"the amendment of {code} changes nothing"))
        for position, work_type in enumerate(after["work_types"]):
            if not work_type.startswith(code + "-"):
                issues.append(
                    (
                        f"amendments[{index}].work_types[{position}]",
                        f"work type {work_type} is not under occupation {code}",
                    )
                )
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
    return msgspec.structs.asdict(item) | {"parent_code": parent, "status": "active"}


def field_changes(before: State | None, after: State) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field that differs; every set field when added."""
    fields = STATE_FIELDS[1:]
    after = {"status": "active"} | after  # baseline history rows predate the status key
    if before is None:
        return [(f, None, after.get(f)) for f in fields if after.get(f) not in (None, "", [])]
    before = {"status": "active"} | before
    return [(f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f)]


def net_changes(
    rows: Sequence[dict[str, Any]],
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
        fields = field_changes(before, after)
        if fields:
            yield kind, code, str(last["release_id"]), after, fields


def describe(issues: Sequence[Issue], limit: int = 20) -> str:
    shown = "; ".join(f"{where}: {what}" for where, what in issues[:limit])
    more = f" (and {len(issues) - limit} more)" if len(issues) > limit else ""
    return shown + more
