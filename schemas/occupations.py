"""Occupation catalogue contracts: release events and HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from schemas.limits import PositiveInt32

RELEASE_PUBLISHED = "skills.occupations.release.published"
CATALOGUE_CHANGED = "skills.occupations.catalogue.changed"

OccupationCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[1-8](-\d{2}){3}$",
        description="Hierarchical code `X-XX-XX-XX` (major, medium, minor, occupation).",
        examples=["4-04-05-01"],
    ),
]
ReleaseId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9.\-]{1,62}[a-z0-9]$",
        description="Stable release name, e.g. `csco-2022` or `new-occupations-2024`.",
        examples=["new-occupations-2024"],
    ),
]
Tag = Literal["digital", "green"]
Level = Annotated[int, msgspec.Meta(ge=1, le=4, description="1 major, 2 medium, 3 minor, 4 job")]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
WorkTypeCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[1-8](-\d{2}){4}$",
        description="Work type under an occupation: `X-XX-XX-XX-XX`.",
        examples=["4-04-05-01-01"],
    ),
]
ChangeKind = Literal["added", "amended", "retired"]
RELEASE_ITEM_LIMIT = 5000  # items + amendments + retirements in one release


class OccupationItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One entry of the classification introduced by a release (any level)."""

    code: OccupationCode
    level: Level
    name_zh: Name
    name_en: Name | None = None
    definition: Text = ""
    tasks: list[Text] = []
    aliases: list[Name] = []
    tags: list[Tag] = []
    work_types: list[WorkTypeCode] = []


class OccupationAmendment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An explicit change to an existing occupation: only the fields given change.

    Rename with `name_zh`/`name_en`, re-tag with `tags`, re-define with `definition`/`tasks`.
    """

    code: OccupationCode
    name_zh: Name | msgspec.UnsetType = msgspec.UNSET
    name_en: Name | msgspec.UnsetType | None = msgspec.UNSET
    definition: Text | msgspec.UnsetType = msgspec.UNSET
    tasks: list[Text] | msgspec.UnsetType = msgspec.UNSET
    aliases: list[Name] | msgspec.UnsetType = msgspec.UNSET
    tags: list[Tag] | msgspec.UnsetType = msgspec.UNSET
    work_types: list[WorkTypeCode] | msgspec.UnsetType = msgspec.UNSET
    reason: Text = ""


class OccupationRetirement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An occupation leaves the classification; its code is never reused."""

    code: OccupationCode
    reason: Text = ""
    replaced_by: list[OccupationCode] = []


class ReleasePublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named, dated batch of the national occupation list: the baseline or a yearly batch."""

    release_id: ReleaseId
    title: Name
    published_on: date
    kind: Literal["baseline", "new-occupations", "amendment"] = "new-occupations"
    items: list[OccupationItem] = []
    source_note: Text = ""
    amendments: list[OccupationAmendment] = []
    retirements: list[OccupationRetirement] = []

    @property
    def size(self) -> int:
        return len(self.items) + len(self.amendments) + len(self.retirements)


class OccupationState(msgspec.Struct, frozen=True, kw_only=True):
    """An occupation as other contexts need it: enough to validate and label a code."""

    code: OccupationCode
    level: Level
    name_zh: str
    name_en: str | None = None
    tags: list[Tag] = []
    status: Literal["active", "retired"] = "active"
    change: ChangeKind = "added"
    parent_code: str | None = None


class CatalogueChanged(msgspec.Struct, frozen=True, kw_only=True):
    """Derived from an applied release: the new state of every entry it added, amended or retired.

    One event per release (not one per occupation) keeps publishes few under fsync-always.
    `revision` grows with each applied release; a consumer keeps, per code, the state with
    the highest revision, so it never depends on arrival order.
    """

    release_id: ReleaseId
    revision: PositiveInt32
    published_on: date
    changes: list[OccupationState]


# -- HTTP bodies ----------------------------------------------------------------------------


class Occupation(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    level: int
    parent_code: str | None
    name_zh: str
    name_en: str | None
    definition: str
    tasks: list[str]
    aliases: list[str]
    tags: list[str]
    work_types: list[str]
    status: Literal["active", "retired"]
    introduced_in: str
    updated_in: str
    score: float | None = None  # search rank, only on `q=` results


class OccupationRef(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    level: int
    name_zh: str
    name_en: str | None
    tags: list[str]
    status: str


class OccupationDetail(msgspec.Struct, frozen=True, kw_only=True):
    occupation: Occupation
    parents: list[OccupationRef]
    children: list[OccupationRef]


class OccupationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Occupation]
    next_after: str | None = None  # the last code; with `q=`, `<score>~<code>`
    next: str | None = None
    as_of: str | None = None


class OccupationStats(msgspec.Struct, frozen=True, kw_only=True):
    by_level: dict[str, int]
    by_tag: dict[str, int]
    retired: int
    releases: list[str]
    official_occupations_2022: int
    occupations_loaded: int
    note: str


class ReleaseSummary(msgspec.Struct, frozen=True, kw_only=True):
    release_id: str
    revision: int
    title: str
    kind: str
    published_on: date
    source_note: str
    actor: str
    added: int
    amended: int
    retired: int
    applied_at: datetime


class ReleasePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReleaseSummary]
    next_after: int | None = None
    next: str | None = None


class FieldChange(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    before: Any = None
    after: Any = None


class ReleaseChange(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    change: ChangeKind
    level: int
    name_zh: str
    fields: list[str]


ReleaseState = Literal["pending", "applied", "refused", "already applied"]


class ReleaseStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where a submitted release stands: pending, applied (with its changes) or refused."""

    release_id: str
    status: ReleaseState
    status_url: str
    detail: str = ""
    reason: str | None = None
    refused_at: datetime | None = None
    release: ReleaseSummary | None = None
    changes: list[ReleaseChange] = []


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    release_id: str
    revision: int
    published_on: date
    change: ChangeKind
    fields: list[FieldChange]


class OccupationHistory(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    items: list[HistoryEntry]


class DiffEntry(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    level: int
    name_zh: str
    release_id: str  # the last release in the range that changed it
    fields: list[FieldChange]


class OccupationDiff(msgspec.Struct, frozen=True, kw_only=True):
    from_release: str
    to_release: str
    added: list[DiffEntry]
    amended: list[DiffEntry]
    retired: list[DiffEntry]
    counts: dict[str, int]
