"""Occupation catalogue contracts: release events and HTTP bodies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

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
    work_types: list[str] = []


class ReleasePublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named, dated batch of the national occupation list: the baseline or a yearly batch."""

    release_id: ReleaseId
    title: Name
    published_on: date
    kind: Literal["baseline", "new-occupations", "amendment"] = "new-occupations"
    items: list[OccupationItem] = []
    source_note: Text = ""


class OccupationState(msgspec.Struct, frozen=True, kw_only=True):
    """An occupation as other contexts need it: enough to validate and label a code."""

    code: OccupationCode
    level: Level
    name_zh: str
    name_en: str | None = None
    tags: list[Tag] = []
    status: Literal["active", "retired"] = "active"


class CatalogueChanged(msgspec.Struct, frozen=True, kw_only=True):
    """Derived from an applied release: the new state of every entry it added, amended or retired.

    One event per release (not one per occupation) keeps publishes few under fsync-always.
    `revision` grows with each applied release; a consumer keeps, per code, the state with
    the highest revision, so it never depends on arrival order.
    """

    release_id: ReleaseId
    revision: int
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
    next_after: str | None = None
    next: str | None = None


class OccupationStats(msgspec.Struct, frozen=True, kw_only=True):
    by_level: dict[str, int]
    by_tag: dict[str, int]
    retired: int
    releases: list[str]
    official_occupations_2022: int
    occupations_loaded: int
    note: str
