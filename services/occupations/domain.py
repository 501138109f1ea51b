"""Rules of the occupational classification: code shapes, parents, tags. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence

from schemas.occupations import OccupationItem

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


def check_items(
    items: Sequence[OccupationItem], known: dict[str, int], *, strict: bool = True
) -> tuple[list[str | None], list[str]]:
    """Parents for each item, and the problems that stop the release from applying.

    `known` maps catalogue codes to levels. Strict (every release but the 2022 baseline): an
    item's parent must be its nearest group code. The baseline CSV lacks a few minor groups, so
    there the nearest existing group is accepted.
    """
    problems: list[str] = []
    parents: list[str | None] = []
    levels = dict(known)
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"items[{index}] {item.code}"
        if not shape_fits(item.code, item.level):
            problems.append(f"{where}: the code cannot be a {LEVEL_NAMES[item.level]}")
        if item.code in seen:
            problems.append(f"{where}: appears more than once in the release")
        elif item.code in known:
            problems.append(f"{where}: already in the catalogue")
        parent = parent_in(item.code, item.level, levels)
        nearest = next(iter(ancestors_of(item.code)), None)
        if item.level > 1 and parent is None:
            problems.append(f"{where}: no parent group in the catalogue or earlier in the release")
        elif strict and parent != nearest and item.level == 4 and item.code[-2:] != "00":
            problems.append(f"{where}: parent group {nearest} does not exist")
        parents.append(parent)
        seen.add(item.code)
        levels.setdefault(item.code, item.level)
    return parents, problems
