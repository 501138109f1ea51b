"""Parts of a release event beyond its occupations: work types (工种), what the publisher
announced, and how a source file was imported. `schemas.occupations` re-exports them."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

NO_NUL = r"^[^\x00]*$"  # Postgres text cannot hold NUL: refuse it at the edge, by field
Text = Annotated[str, msgspec.Meta(max_length=10_000, pattern=NO_NUL)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
WorkTypeCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[1-8](-\d{2}){4}$",
        description="Work type under an occupation: `X-XX-XX-XX-XX`.",
        examples=["4-04-05-01-01"],
    ),
]
# Which parts of an entry are invented (demo data standing in for what sources do not give):
# `placement` is a work type's occupation, `tags` the digital/green marks.
InventedPart = Literal["code", "name", "definition", "tasks", "tags", "placement"]
NameSource = Literal["official", "translation"]
Count = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]


class WorkTypeItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A work type (工种) a release adds under an occupation: its code starts with the
    occupation's (`4-04-05-01-01` under `4-04-05-01`)."""

    code: WorkTypeCode
    name_zh: Name
    name_en: Name | None = None
    name_en_source: NameSource | None = None
    definition: Text = ""
    invented: list[InventedPart] = []


class WorkTypeAmendment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An explicit change to an existing work type: only the fields given change."""

    code: WorkTypeCode
    name_zh: Name | msgspec.UnsetType = msgspec.UNSET
    name_en: Name | msgspec.UnsetType | None = msgspec.UNSET
    name_en_source: NameSource | msgspec.UnsetType | None = msgspec.UNSET
    definition: Text | msgspec.UnsetType = msgspec.UNSET
    invented: list[InventedPart] | msgspec.UnsetType = msgspec.UNSET
    reason: Text = ""


class WorkTypeRetirement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A work type leaves the classification; its code is never reused."""

    code: WorkTypeCode
    reason: Text = ""
    replaced_by: list[WorkTypeCode] = []


class PublishedFigures(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the publisher announced for a batch, shown beside what the data holds (a demo may
    name fewer entries than the batch had)."""

    occupations_added: Count | None = None
    work_types_added: Count | None = None
    adjusted: Count | None = None  # occupations or work types changed
    source: Text = ""


ImportNoteKind = Literal[
    "repeat_identical", "repeat_differs", "wrong_shape", "group_code_reused", "group_missing"
]


class ImportNote(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A row of a source file the import dropped or refused, and why."""

    line: Count | None = None
    code: Annotated[str, msgspec.Meta(max_length=40, pattern=NO_NUL)]
    kind: ImportNoteKind  # what happened, for readers in any language; `reason` says it in full
    reason: Text


class ImportReport(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a release was read from its source file: what was loaded, dropped and refused."""

    source: Text
    rows_read: Count
    loaded_by_level: dict[Literal["1", "2", "3", "4"], Count]
    duplicates_dropped: list[ImportNote] = []
    refused: list[ImportNote] = []
    missing_groups: list[ImportNote] = []
    official_occupations: Count | None = None
    occupation_gap: int | None = None  # official figure minus occupations loaded
