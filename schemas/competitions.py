"""Competition contracts: results events and HTTP bodies (WorldSkills, national, provincial)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from schemas.limits import INT32_MAX, PositiveInt32
from schemas.occupations import OccupationCode
from schemas.ratings import Level

RESULTS_PUBLISHED = "skills.competitions.results.published"

# The patterns also check path and query parameters (services/competitions), so each is here once.
COMPETITION_CODE = r"^[A-Z0-9][A-Z0-9\-]{1,30}$"
SKILL_NUMBER = r"^[A-Z0-9]{1,6}$"
MEMBER_CODE = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"

CompetitionCode = Annotated[
    str,
    msgspec.Meta(
        pattern=COMPETITION_CODE,
        description="Event code, e.g. `WSC2024` or `CNSC2023`.",
        examples=["WSC2024"],
    ),
]
SkillNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=SKILL_NUMBER,
        description="Skill number as text: `07`, pilot skills `PO1`.",
        examples=["07", "PO1"],
    ),
]
MemberCode = Annotated[
    str,
    msgspec.Meta(
        pattern=MEMBER_CODE,
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
    msgspec.Meta(
        pattern=r"^\d{17}[\dX]$",
        description="18-character resident ID (GB 11643, check character checked); kept only "
        "as its keyed hash and last four characters, never shown.",
    ),
]
PersonHash = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9a-f]{64}$",
        description="HMAC-SHA256 (hex) of the national ID under the deployment key.",
    ),
]
IdLast4 = Annotated[str, msgspec.Meta(pattern=r"^\d{3}[\dX]$")]
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
    competitor_names: Annotated[
        Literal["full", "masked"] | None,
        msgspec.Meta(
            description="How competitors' names are published: `full` (as WorldSkills does) or "
            "`masked`; unset: full for WorldSkills competitions, masked for every other kind."
        ),
    ] = None


# -- results events ---------------------------------------------------------------------------


class Competitor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A competitor as events carry it: a national ID only as its keyed hash and last four."""

    name: Name
    id: PersonId | None = None
    person: PersonHash | None = None
    id_last4: IdLast4 | None = None


class ResultLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One entry (a team counts once) and its result.

    `mark` may be left out only in a partial competition (an earlier edition recorded from the
    honours its sources publish), and then by every line of the skill, each with its medal.
    """

    member: MemberCode
    competitors: Annotated[list[Competitor], msgspec.Meta(min_length=1, max_length=20)]
    mark: Mark | None = None
    position: PositiveInt32 | None = None
    medal: Medal | None = None


class SkillResults(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The complete results of one skill at one revision (a correction is a higher revision)."""

    skill: SkillNumber
    revision: PositiveInt32
    results: Annotated[list[ResultLine], msgspec.Meta(max_length=500)]


# What organisers send over HTTP: the same, with a competitor's plain national ID, which the
# API checks and replaces by its keyed hash before anything is published or stored.


class CompetitorSubmitted(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    id: PersonId | None = None
    national_id: NationalId | None = None


class ResultLineSubmitted(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    member: MemberCode
    competitors: Annotated[list[CompetitorSubmitted], msgspec.Meta(min_length=1, max_length=20)]
    mark: Mark | None = None  # only in a partial competition (see ResultLine)
    position: PositiveInt32 | None = None
    medal: Medal | None = None


class SkillResultsSubmitted(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    skill: SkillNumber
    revision: PositiveInt32
    results: Annotated[list[ResultLineSubmitted], msgspec.Meta(max_length=500)]


class ResultsPublished(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Results of one or more skills of a competition (organisers or scoring systems)."""

    competition: CompetitionCode
    skills: Annotated[list[SkillResults], msgspec.Meta(min_length=1, max_length=100)]


class ResultsSubmit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`POST /competitions/{code}/results`: the event payload without the competition code."""

    skills: Annotated[list[SkillResultsSubmitted], msgspec.Meta(min_length=1, max_length=100)]


# -- HTTP bodies: writes -----------------------------------------------------------------------


class CompetitionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: CompetitionCode
    name: Name
    kind: CompetitionKind
    organiser: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, description="Organisation of its tokens")
    ]
    edition: Annotated[int, msgspec.Meta(ge=1, le=INT32_MAX)] | None = None
    host_city: Name | None = None
    host_country: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] | None = None
    starts_on: date
    ends_on: date
    rules: CompetitionRules = CompetitionRules()
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    name_zh: Name | None = None
    partial: Annotated[
        bool,
        msgspec.Meta(
            description="Only some results are recorded (e.g. an earlier edition's published "
            "honours): its tables say so, and its results may lack marks."
        ),
    ] = False


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
    name_zh: str | None = None
    partial: bool = False


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
    mark: float | None  # None: a partial competition's honour published without its mark
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
    partial: bool = False
    note: str = ""


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
    partial: bool = False  # only some results are recorded: not the full table
    note: str = ""


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


class PublishedTallyCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A member's totals over a period as a source publishes them (not computed here)."""

    kind: CompetitionKind = "worldskills"
    since: Annotated[int, msgspec.Meta(ge=1900, le=2200)]
    until: Annotated[int, msgspec.Meta(ge=1900, le=2200)]
    competitions: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None
    competitors: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    gold: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    silver: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    bronze: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    excellence: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class PublishedTally(msgspec.Struct, frozen=True, kw_only=True):
    member: str
    kind: str
    since: int
    until: int
    competitions: int | None
    competitors: int | None
    gold: int
    silver: int
    bronze: int
    excellence: int
    source: str


class MemberHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A member across the competitions of one kind (kinds are never mixed). `totals` are
    computed from the results recorded here; `published` tallies come from their sources."""

    member: Member
    kind: str
    since: int | None
    until: int | None
    competitions: list[CompetitionStanding]
    totals: MedalTotals
    published: list[PublishedTally] = []
    notes: dict[str, str] = {}  # competition code -> its note (demo data, partial results)


class EditionWinners(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    starts_on: date
    skill: str
    skill_name: str
    winners: list[Result]
    skill_name_zh: str | None = None


class Streak(msgspec.Struct, frozen=True, kw_only=True):
    member: str
    golds: int
    first: str
    last: str


class SkillHistory(msgspec.Struct, frozen=True, kw_only=True):
    """One skill across the editions of one kind of competition (kinds are never mixed)."""

    kind: str
    editions: list[EditionWinners]
    streaks: list[Streak]
    notes: dict[str, str] = {}  # competition code -> its note (demo data, partial results)


class SkillMatch(msgspec.Struct, frozen=True, kw_only=True):
    """A skill as competitions of one kind have run it (one English name across editions)."""

    name_en: str
    name_zh: str | None
    numbers: list[str]  # skill numbers it had
    sectors: list[str]
    editions: int  # competitions that ran it


class SkillSearch(msgspec.Struct, frozen=True, kw_only=True):
    q: str
    kind: str
    items: list[SkillMatch]


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
    mark: float | None
    position: int
    medal: str
    skill_name_zh: str | None = None
    certificate: GrantedCertificate | None = None


class CompetitorHistory(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str  # as the organisers' rules publish it (masked unless they publish names)
    entries: list[CompetitorEntry]
    notes: dict[str, str] = {}


class Awards(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    albert_vidal_award: list[Result]
    best_of_nation: list[Result]
