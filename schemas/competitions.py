"""Competition contracts: results events and HTTP bodies (WorldSkills, national, provincial)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from schemas.occupations import OccupationCode
from schemas.ratings import Level

RESULTS_PUBLISHED = "skills.competitions.results.published"

CompetitionCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z0-9][A-Z0-9\-]{1,30}$",
        description="Event code, e.g. `WSC2024` or `CNSC2023`.",
        examples=["WSC2024"],
    ),
]
SkillNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z0-9]{1,6}$",
        description="Skill number as text: `07`, pilot skills `PO1`.",
        examples=["07", "PO1"],
    ),
]
MemberCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
        description="Two-letter member code (`CN`, `KR`) or a province (`CN-GD`).",
        examples=["CN", "CN-GD"],
    ),
]
PersonId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,79}$",
        description="The organiser's stable person id for a competitor.",
    ),
]
NationalId = Annotated[
    str,
    msgspec.Meta(pattern=r"^\d{17}[\dX]$", description="18-character resident ID; never shown."),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Mark = Annotated[float, msgspec.Meta(ge=0, le=10_000)]
Medal = Literal["GOLD", "SILVER", "BRONZE", "EXCELLENCE", "NONE"]
Sector = Literal[
    "construction_building_technology",
    "creative_arts_fashion",
    "information_communication_technology",
    "manufacturing_engineering_technology",
    "social_personal_services",
    "transportation_logistics",
]
CompetitionKind = Literal["worldskills", "national", "provincial", "other"]
RankBy = Literal["gold", "total", "points", "score_total", "score_avg", "points_per_skill"]
RANK_BY: tuple[str, ...] = (
    "gold",
    "total",
    "points",
    "score_total",
    "score_avg",
    "points_per_skill",
)


class CompetitionRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How medals follow from marks.

    Marks within `tie_threshold` of a higher mark share its place (two golds → no silver);
    places 1–3 earn gold, silver, bronze; a mark at or above `excellence_threshold` earns
    a Medallion for Excellence. `medals`: `given` (results must carry medals, which are
    checked against the marks) or `derived` (computed; a medal given anyway is checked).
    """

    tie_threshold: Annotated[float, msgspec.Meta(ge=0, le=100)] = 0.0
    excellence_threshold: Mark | None = 700.0
    medals: Literal["given", "derived"] = "derived"


# -- results events ---------------------------------------------------------------------------


class Competitor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    id: PersonId | None = None
    national_id: NationalId | None = None


class ResultLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One entry (a team counts once) and its result."""

    member: MemberCode
    competitors: Annotated[list[Competitor], msgspec.Meta(min_length=1, max_length=20)]
    mark: Mark
    position: Annotated[int, msgspec.Meta(ge=1)] | None = None
    medal: Medal | None = None


class SkillResults(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The complete results of one skill at one revision (a correction is a higher revision)."""

    skill: SkillNumber
    revision: Annotated[int, msgspec.Meta(ge=1)]
    results: Annotated[list[ResultLine], msgspec.Meta(max_length=500)]


class ResultsPublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Results of one or more skills of a competition (organisers or scoring systems)."""

    competition: CompetitionCode
    skills: Annotated[list[SkillResults], msgspec.Meta(min_length=1, max_length=100)]


class ResultsSubmit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`POST /competitions/{code}/results`: the event payload without the competition code."""

    skills: Annotated[list[SkillResults], msgspec.Meta(min_length=1, max_length=100)]


# -- HTTP bodies: writes -----------------------------------------------------------------------


class CompetitionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: CompetitionCode
    name: Name
    kind: CompetitionKind
    organiser: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, description="Organisation of its tokens")
    ]
    edition: Annotated[int, msgspec.Meta(ge=1)] | None = None
    host_city: Name | None = None
    host_country: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] | None = None
    starts_on: date
    ends_on: date
    rules: CompetitionRules = CompetitionRules()
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class SkillCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    number: SkillNumber
    name_en: Name
    name_zh: Name | None = None
    sector: Sector
    team_size: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    kind: Literal["official", "demonstration"] = "official"
    occupation_code: OccupationCode | None = None


class SkillsCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    skills: Annotated[list[SkillCreate], msgspec.Meta(min_length=1, max_length=200)]


class MemberCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: MemberCode
    name_en: Name
    name_zh: Name | None = None
    kind: Literal["member", "province"] = "member"


class MembersCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    members: Annotated[list[MemberCreate], msgspec.Meta(min_length=1, max_length=500)]


class PolicyRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    medal: Literal["GOLD", "SILVER", "BRONZE", "EXCELLENCE"]
    level: Level  # the rating granted (the two top grades are for enterprises to assess)
    occupation_code: OccupationCode | None = None  # default: the skill's linked occupation


class RatingPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    rules: Annotated[list[PolicyRule], msgspec.Meta(max_length=10)]


# -- HTTP bodies: reads ------------------------------------------------------------------------


class Competition(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    kind: str
    organiser: str
    edition: int | None
    host_city: str | None
    host_country: str | None
    starts_on: date
    ends_on: date
    rules: CompetitionRules
    note: str


class CompetitionPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Competition]
    next_after: str | None = None


class Skill(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    name_en: str
    name_zh: str | None
    sector: str
    team_size: int
    kind: str
    occupation_code: str | None
    revision: int | None


class SkillPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Skill]
    next_after: str | None = None


class Member(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_en: str
    name_zh: str | None
    kind: str


class MemberPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Member]
    next_after: str | None = None


class PublicCompetitor(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str  # masked


class Result(msgspec.Struct, frozen=True, kw_only=True):
    skill: str
    member: str
    competitors: list[PublicCompetitor]
    mark: float
    position: int
    medal: str
    revision: int
    best_of_nation: bool = False
    albert_vidal_award: bool = False


class ResultPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Result]
    next_after: str | None = None


class SkillResultsView(msgspec.Struct, frozen=True, kw_only=True):
    skill: Skill
    revision: int | None
    results: list[Result]
    history: list[int]  # earlier revisions, kept and readable with `?revision=`


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    status: str
    status_url: str
    skills: list[str]


class SubmissionStatus(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    status: Literal["pending", "applied", "refused"]
    reason: str | None = None
    applied: list[str] = []
    unchanged: list[str] = []


class RefusedSubmission(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    event_id: str
    reason: str
    refused_at: datetime
    skills: list[str]


class RefusedPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RefusedSubmission]
    next_after: int | None = None


class MedalRow(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    member: str
    gold: int
    silver: int
    bronze: int
    excellence: int
    total: int
    points: int
    score_total: float
    score_avg: float
    skills_entered: int
    points_per_skill: float


class MedalTable(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    rank_by: str
    sector: str | None
    rows: list[MedalRow]


class CompetitionStanding(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    name: str
    kind: str
    starts_on: date
    entries: int
    competitors: int
    gold: int
    silver: int
    bronze: int
    excellence: int
    points: int
    score_total: float
    score_avg: float
    ranks: dict[str, int]
    results: list[Result] | None = None  # with `?results=true`


class MedalTotals(msgspec.Struct, frozen=True, kw_only=True):
    competitions: int
    entries: int
    competitors: int
    gold: int
    silver: int
    bronze: int
    excellence: int


class MemberHistory(msgspec.Struct, frozen=True, kw_only=True):
    member: Member
    since: int | None
    until: int | None
    competitions: list[CompetitionStanding]
    totals: MedalTotals


class EditionWinners(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    starts_on: date
    skill: str
    skill_name: str
    winners: list[Result]


class Streak(msgspec.Struct, frozen=True, kw_only=True):
    member: str
    golds: int
    first: str
    last: str


class SkillHistory(msgspec.Struct, frozen=True, kw_only=True):
    editions: list[EditionWinners]
    streaks: list[Streak]


class GrantedCertificate(msgspec.Struct, frozen=True, kw_only=True):
    """The rating a result earned under the competition's policy, and its certificate once
    the ratings service has issued it (verify it at `/certificates/{number}`)."""

    level: str
    occupation_code: str
    number: str | None
    status: Literal["pending", "valid", "revoked"]


class CompetitorEntry(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    starts_on: date
    skill: str
    skill_name: str
    member: str
    mark: float
    position: int
    medal: str
    certificate: GrantedCertificate | None = None


class CompetitorHistory(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str  # masked
    entries: list[CompetitorEntry]


class Awards(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    albert_vidal_award: list[Result]
    best_of_nation: list[Result]
