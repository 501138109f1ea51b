"""Labour-market contracts: demand catalogues, pay surveys and new-occupation packages.

What the ministry (and, for their own region, provincial departments) publishes about
occupations and skill levels. Each publication is one event, applied whole or not at all, and
is both the event payload and the body of its `POST`. A publication is identified by its key
(a catalogue's kind, region and period; a survey's region and year; a package's occupation)
and corrected by a higher `revision`, never edited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from .occupations import OccupationCode
from .ratings import BodyId, Level
from .regions import Region

CATALOGUE_PUBLISHED = "skills.labour.catalogue.published"
PAY_PUBLISHED = "skills.labour.pay.published"
PACKAGE_PUBLISHED = "skills.labour.package.published"

# Printable text only: a NUL or another control character can never be stored in Postgres
# text, and has no business in a published title.
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_PRINTABLE)]
Text = Annotated[str, msgspec.Meta(max_length=2000, pattern=_PRINTABLE)]
Revision = Annotated[
    int,
    msgspec.Meta(
        ge=1, le=1_000_000, description="1 first; a correction is the next revision, never an edit"
    ),
]
Count = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
# Monthly pay in yuan (CNY), before tax.
Yuan = Annotated[int, msgspec.Meta(ge=0, le=10_000_000, description="Monthly, yuan (CNY)")]
Period = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^20\d{2}(-(Q[1-4]|H[12]))?$",
        description="A year `2024`, a half `2024-H1` or a quarter `2024-Q3`.",
        examples=["2024-Q3"],
    ),
]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2099)]
CatalogueKind = Literal["in_demand", "shortage"]
CATALOGUE_KINDS: tuple[str, ...] = ("in_demand", "shortage")
CATALOGUE_ENTRY_LIMIT = 500
PAY_ROW_LIMIT = 5_000


# -- demand catalogues ------------------------------------------------------------------------


class DemandEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ranked occupation; the figures are optional (some catalogues publish ranks only)."""

    rank: Annotated[int, msgspec.Meta(ge=1, le=CATALOGUE_ENTRY_LIMIT)]
    occupation_code: OccupationCode
    demand_supply_ratio: Annotated[float, msgspec.Meta(ge=0, le=1000)] | None = None
    vacancies: Count | None = None
    job_seekers: Count | None = None


class CataloguePublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A catalogue of in-demand or shortage occupations for a region and period."""

    kind: CatalogueKind
    region: Region
    period: Period
    revision: Revision = 1
    title: Name
    published_on: date
    source: Text = ""
    note: Text = ""  # e.g. "demo data, invented"
    entries: Annotated[
        list[DemandEntry], msgspec.Meta(min_length=1, max_length=CATALOGUE_ENTRY_LIMIT)
    ]

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.region}.{self.period}"


# -- pay --------------------------------------------------------------------------------------


class PayRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Monthly pay of one occupation at one skill level: percentiles, in yuan."""

    occupation_code: OccupationCode
    level: Level
    p10: Yuan
    p25: Yuan
    p50: Yuan
    p75: Yuan
    p90: Yuan
    sample_size: Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]


class MinimumPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Guidance on the lowest monthly pay for a skill level (category-based guidelines)."""

    level: Level
    monthly: Yuan


class PayPublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Pay of skilled workers in a region for a year, per occupation and skill level."""

    region: Region
    year: Year
    revision: Revision = 1
    title: Name
    published_on: date
    source: Name
    note: Text = ""
    rows: Annotated[list[PayRow], msgspec.Meta(min_length=1, max_length=PAY_ROW_LIMIT)]
    minimum_pay: Annotated[list[MinimumPay], msgspec.Meta(max_length=8)] = []

    @property
    def key(self) -> str:
        return f"{self.region}.{self.year}"


# -- new-occupation packages ------------------------------------------------------------------


class Standard(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The occupation's national standard or evaluation norm, drafted or published."""

    kind: Literal["national_standard", "evaluation_norm"]
    status: Literal["drafted", "published"]
    issuing_body: Name
    issued_on: date | None = None  # required once published
    reference: Text = ""  # e.g. the standard's number


class TrainingItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["training_package", "materials"]
    title: Name
    publisher: Name
    published_on: date


class SelectedBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An evaluation body selected to assess the occupation (a ratings body, by its id)."""

    body_id: BodyId
    selected_on: date


class PackagePublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What exists for an occupation's training and evaluation: standard, materials, bodies."""

    occupation_code: OccupationCode
    revision: Revision = 1
    published_on: date
    standard: Standard | None = None
    training: Annotated[list[TrainingItem], msgspec.Meta(max_length=50)] = []
    evaluation_bodies: Annotated[list[SelectedBody], msgspec.Meta(max_length=200)] = []
    note: Text = ""

    @property
    def key(self) -> str:
        return self.occupation_code


Publication = CataloguePublished | PayPublished | PackagePublished
PublicationKind = Literal["catalogue", "pay", "package"]

# -- where a submission stands ----------------------------------------------------------------

SubmissionState = Literal["pending", "applied", "refused", "already applied"]


class SubmissionStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A publication submitted through the API: pending, applied or refused (with why)."""

    submission_id: str
    what: PublicationKind
    key: str
    revision: int
    status: SubmissionState
    status_url: str
    resource_url: str
    detail: str = ""
    reason: str | None = None
