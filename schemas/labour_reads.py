"""Labour-market read shapes: catalogues, rank histories, movers, pay, packages, statistics."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from .labour import MinimumPay, Standard, TrainingItem


class Named(msgspec.Struct, frozen=True, kw_only=True):
    """An occupation as the labour context knows it (from the classification's events)."""

    occupation_code: str
    name_zh: str | None
    name_en: str | None


# -- catalogues -------------------------------------------------------------------------------


class CatalogueSummary(msgspec.Struct, frozen=True, kw_only=True):
    catalogue_id: str
    kind: str
    region: str
    region_zh: str
    region_en: str
    period: str
    revision: int
    title: str
    published_on: date
    source: str
    note: str
    entries: int
    applied_at: datetime


class CataloguePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CatalogueSummary]
    next_after: str | None = None


class CatalogueEntry(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    occupation_code: str
    name_zh: str | None
    name_en: str | None
    demand_supply_ratio: float | None
    vacancies: int | None
    job_seekers: int | None
    previous_rank: int | None  # in the previous period of the same kind and region
    movement: str  # "new", "up", "down", "same", or "" when there is no previous period


class Catalogue(msgspec.Struct, frozen=True, kw_only=True):
    catalogue: CatalogueSummary
    previous_period: str | None
    entries: list[CatalogueEntry]


class RankPoint(msgspec.Struct, frozen=True, kw_only=True):
    period: str
    rank: int
    demand_supply_ratio: float | None


class RankSeries(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    region: str
    region_zh: str
    region_en: str
    points: list[RankPoint]


class RankHistory(msgspec.Struct, frozen=True, kw_only=True):
    occupation: Named
    series: list[RankSeries]
    note: str


class Move(msgspec.Struct, frozen=True, kw_only=True):
    occupation_code: str
    name_zh: str | None
    name_en: str | None
    from_rank: int | None
    to_rank: int | None


class Movers(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    region: str
    from_period: str
    to_period: str
    entered: list[Move]
    left: list[Move]
    rose: list[Move]
    fell: list[Move]
    note: str


# -- pay --------------------------------------------------------------------------------------


class PayLevel(msgspec.Struct, frozen=True, kw_only=True):
    level: str
    p10: int
    p25: int
    p50: int
    p75: int
    p90: int
    sample_size: int
    minimum_pay: int | None


class PaySurvey(msgspec.Struct, frozen=True, kw_only=True):
    region: str
    region_zh: str
    region_en: str
    year: int
    revision: int
    title: str
    published_on: date
    source: str
    note: str


class OccupationPay(msgspec.Struct, frozen=True, kw_only=True):
    """An occupation's pay at every level in one survey (region and year)."""

    occupation: Named
    survey: PaySurvey
    levels: list[PayLevel]
    other_surveys: list[str]  # "<region>.<year>" of the other surveys holding it


class PayRank(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    occupation_code: str
    name_zh: str | None
    name_en: str | None
    p25: int
    p50: int
    p75: int
    sample_size: int


class PayRanking(msgspec.Struct, frozen=True, kw_only=True):
    """Occupations at one level, highest median pay first."""

    survey: PaySurvey
    level: str
    minimum_pay: int | None
    items: list[PayRank]
    guidance: list[MinimumPay]


class PaySurveyPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[PaySurvey]


# -- packages ---------------------------------------------------------------------------------


class PackageBody(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    name: str | None  # None until the ratings context's event about it has arrived
    province: str | None
    selected_on: date
    authorised_levels: list[str]  # for this occupation, valid today


class Package(msgspec.Struct, frozen=True, kw_only=True):
    occupation: Named
    introduced_in: str | None
    revision: int
    published_on: date
    standard: Standard | None
    training: list[TrainingItem]
    evaluation_bodies: list[PackageBody]
    note: str


class PackageCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """What of its package a new occupation has: each None/0 is a gap."""

    occupation_code: str
    name_zh: str | None
    name_en: str | None
    standard_status: str | None
    training_items: int
    evaluation_bodies: int
    revision: int | None


class ReleasePackages(msgspec.Struct, frozen=True, kw_only=True):
    release_id: str
    items: list[PackageCoverage]


# -- rating statistics ------------------------------------------------------------------------


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    """A count and how it is shown: the figure, "<10" (too few to show) or "x" (hidden so
    that no other figure gives a hidden one away). `value` is null unless shown."""

    value: int | None
    shown: str


class StatisticsRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name_zh: str
    name_en: str
    cells: list[Cell]  # one per level, in `levels` order
    total: Cell


class SuppressionSummary(msgspec.Struct, frozen=True, kw_only=True):
    threshold: int
    primary: int  # cells under the threshold
    complementary: int  # cells hidden to protect them


class StatisticsTable(msgspec.Struct, frozen=True, kw_only=True):
    """Certificates in force (issued minus revoked): rows × rating levels, with totals."""

    year: int | None  # None: the years table (one row per year)
    rows_by: str
    levels: list[str]
    rows: list[StatisticsRow]
    totals: list[Cell]
    grand_total: Cell
    full: bool  # true only for ministry tokens: nothing suppressed
    suppression: SuppressionSummary
    years: list[int]
    note: str


class StatisticsCell(msgspec.Struct, frozen=True, kw_only=True):
    year: int
    level: str
    occupation_code: str
    province: str | None
    origin: str
    issued: int
    revoked: int
    certificates: int


class StatisticsCellPage(msgspec.Struct, frozen=True, kw_only=True):
    """Ministry only: every non-empty cell of year × level × occupation × province × origin."""

    items: list[StatisticsCell]
    next_after: str | None = None
