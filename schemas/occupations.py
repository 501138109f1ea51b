"""Occupation catalogue contracts: release events and HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from schemas.limits import PositiveInt32

from .release_parts import (
    ImportReport,
    InventedPart,
    Name,
    NameSource,
    PublishedFigures,
    Text,
    WorkTypeAmendment,
    WorkTypeCode,
    WorkTypeItem,
    WorkTypeRetirement,
)

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
ChangeKind = Literal["added", "amended", "retired"]
ReleaseKind = Literal["baseline", "new-occupations", "amendment", "proposal"]
RELEASE_ITEM_LIMIT = 5000  # every entry of a release, occupations and work types together


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
    work_types: list[WorkTypeCode] = []  # codes only, unnamed: prefer the release's `work_types`
    invented: list[InventedPart] = []
    name_en_source: NameSource | None = None


class OccupationAmendment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An explicit change to an existing occupation: only the fields given change.

    Rename with `name_zh`/`name_en`, re-tag with `tags`, re-define with `definition`/`tasks`.
    `work_types` (codes) replaces the occupation's work types: missing ones retire, new ones
    are added unnamed; the release's `work_type_*` lists say the same with names.
    """

    code: OccupationCode
    name_zh: Name | msgspec.UnsetType = msgspec.UNSET
    name_en: Name | msgspec.UnsetType | None = msgspec.UNSET
    definition: Text | msgspec.UnsetType = msgspec.UNSET
    tasks: list[Text] | msgspec.UnsetType = msgspec.UNSET
    aliases: list[Name] | msgspec.UnsetType = msgspec.UNSET
    tags: list[Tag] | msgspec.UnsetType = msgspec.UNSET
    work_types: list[WorkTypeCode] | msgspec.UnsetType = msgspec.UNSET
    invented: list[InventedPart] | msgspec.UnsetType = msgspec.UNSET
    name_en_source: NameSource | msgspec.UnsetType | None = msgspec.UNSET
    reason: Text = ""


class OccupationRetirement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An occupation leaves the classification; its code is never reused."""

    code: OccupationCode
    reason: Text = ""
    replaced_by: list[OccupationCode] = []


class ReleasePublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named, dated batch of the national occupation list: the baseline or a yearly batch.

    `kind: proposal` is a draft published for public comment: it is kept and readable but
    changes nothing in the catalogue; the final release names it in `supersedes`.
    """

    release_id: ReleaseId
    title: Name
    published_on: date
    kind: ReleaseKind = "new-occupations"
    items: list[OccupationItem] = []
    source_note: Text = ""
    amendments: list[OccupationAmendment] = []
    retirements: list[OccupationRetirement] = []
    work_types: list[WorkTypeItem] = []
    work_type_amendments: list[WorkTypeAmendment] = []
    work_type_retirements: list[WorkTypeRetirement] = []
    comment_until: date | None = None  # end of a proposal's public comment period
    supersedes: ReleaseId | None = None  # the proposal this release makes final
    published_figures: PublishedFigures | None = None
    import_report: ImportReport | None = None

    @property
    def size(self) -> int:
        return (
            len(self.items)
            + len(self.amendments)
            + len(self.retirements)
            + len(self.work_types)
            + len(self.work_type_amendments)
            + len(self.work_type_retirements)
        )


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
    work_types: list[str]  # codes of its active work types
    status: Literal["active", "retired"]
    introduced_in: str
    updated_in: str
    invented: list[str] = []  # parts of a demo entry that are invented; empty for real data
    name_en_source: str | None = None  # `translation`: the English name is ours
    score: float | None = None  # search rank, only on `q=` results
    matched_work_type: WorkTypeRef | None = None  # `q=` found the occupation by this work type


class WorkTypeRef(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_zh: str | None
    name_en: str | None


class WorkType(msgspec.Struct, frozen=True, kw_only=True):
    """A work type (工种) under an occupation. `name_zh` is null only for work types that
    early releases listed by code alone."""

    code: str
    occupation_code: str
    name_zh: str | None
    name_en: str | None
    name_en_source: str | None
    definition: str
    invented: list[str]
    status: Literal["active", "retired"]
    introduced_in: str
    updated_in: str


class OccupationRef(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    level: int
    name_zh: str
    name_en: str | None
    tags: list[str]
    status: str
    invented: list[str] = []


class OccupationDetail(msgspec.Struct, frozen=True, kw_only=True):
    occupation: Occupation
    parents: list[OccupationRef]
    children: list[OccupationRef]
    work_types: list[WorkType] = []  # active and retired, by code


class WorkTypeDetail(msgspec.Struct, frozen=True, kw_only=True):
    work_type: WorkType
    occupation: OccupationRef


class WorkTypePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[WorkType]
    next_after: str | None = None
    next: str | None = None
    as_of: str | None = None


class OccupationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Occupation]
    next_after: str | None = None  # the last code; with `q=`, `<score>~<code>`
    next: str | None = None
    as_of: str | None = None


class ClassificationFact(msgspec.Struct, frozen=True, kw_only=True):
    """A published figure about the classification's history, with its source.

    `key` names the statement (`first_edition`, `green_occupations`…), `figures` its numbers
    (`occupations`, `batches`, `share_percent`…); pages word it in their language.
    """

    key: str
    period: str
    figures: dict[str, int]
    source: str


class ReleaseCount(msgspec.Struct, frozen=True, kw_only=True):
    """What one release after the baseline added, and whether it is demo data."""

    release_id: str
    title: str
    kind: str
    published_on: date
    occupations_added: int
    work_types_added: int
    invented: bool  # some of what it added is invented (see each entry's `invented`)


class OccupationStats(msgspec.Struct, frozen=True, kw_only=True):
    by_level: dict[str, int]
    by_tag: dict[str, int]
    retired: int
    releases: list[str]
    official_occupations_2022: int
    occupations_loaded: int  # every active occupation, the baseline's and later releases'
    note: str
    baseline_release: str | None = None
    baseline_occupations: int = 0  # occupations the 2022 baseline loaded
    later_releases: list[ReleaseCount] = []  # applied after the baseline; no proposals
    invented_occupations: int = 0  # active occupations with invented parts (demo data)
    work_types: int = 0  # active work types
    history: list[ClassificationFact] = []


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
    work_types_added: int = 0
    work_types_amended: int = 0
    work_types_retired: int = 0
    comment_until: date | None = None
    supersedes: str | None = None
    superseded_by: str | None = None  # set on a proposal once its final release applied
    published_figures: PublishedFigures | None = None
    import_report: ImportReport | None = None


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


class WorkTypeChange(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    change: ChangeKind
    occupation_code: str
    name_zh: str | None
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
    changes: list[ReleaseChange] = []  # a proposal's: what it proposed, not applied
    work_type_changes: list[WorkTypeChange] = []


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    release_id: str
    revision: int
    published_on: date
    change: ChangeKind
    fields: list[FieldChange]


class OccupationHistory(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    items: list[HistoryEntry]


class WorkTypeHistory(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    items: list[HistoryEntry]


class DiffEntry(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    level: int
    name_zh: str
    release_id: str  # the last release in the range that changed it
    fields: list[FieldChange]


class WorkTypeDiffEntry(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    occupation_code: str
    name_zh: str | None
    release_id: str
    fields: list[FieldChange]


class WorkTypeDiff(msgspec.Struct, frozen=True, kw_only=True):
    added: list[WorkTypeDiffEntry]
    amended: list[WorkTypeDiffEntry]
    retired: list[WorkTypeDiffEntry]
    counts: dict[str, int]


class OccupationDiff(msgspec.Struct, frozen=True, kw_only=True):
    from_release: str
    to_release: str
    added: list[DiffEntry]
    amended: list[DiffEntry]
    retired: list[DiffEntry]
    counts: dict[str, int]
    work_types: WorkTypeDiff
