"""Rules of competitions: places and medals from marks, awards, medal-table orderings. No I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from schemas.competitions import (
    SKILL_NUMBER,
    CompetitionRules,
    Competitor,
    ResultLine,
    SkillResults,
    SkillResultsSubmitted,
)
from services.platform.national_ids import normalise_id, person_hasher, resident_id_problem

MEDALS = ("GOLD", "SILVER", "BRONZE")
MEDAL_PLACES = {"GOLD": 1, "SILVER": 2, "BRONZE": 3}
MEDAL_POINTS = {"GOLD": 4, "SILVER": 3, "BRONZE": 2, "EXCELLENCE": 1, "NONE": 0}


# -- places and medals ------------------------------------------------------------------------


def places(marks: Sequence[float], tie_threshold: float = 0.0) -> list[int]:
    """Standard competition ranking where marks within `tie_threshold` of a higher one tie.

    A place is 1 + the number of marks more than `tie_threshold` above it: two marks that tie
    for first both get 1 and the next gets 3, so two golds leave no silver.
    """
    # Small epsilon: marks are decimals and 700.1 - 700.0 must not exceed a 0.1 threshold.
    return [1 + sum(1 for other in marks if other - mark > tie_threshold + 1e-9) for mark in marks]


def medal_for(place: int, mark: float, rules: CompetitionRules) -> str:
    if place <= len(MEDALS):
        return MEDALS[place - 1]
    if rules.excellence_threshold is not None and mark >= rules.excellence_threshold:
        return "EXCELLENCE"
    return "NONE"


def derive(lines: Sequence[ResultLine], rules: CompetitionRules) -> list[tuple[int, str]]:
    """(place, medal) for every line, from the marks alone; honours published without marks
    (a partial competition's) keep their given medal and position."""
    marks = [line.mark for line in lines]
    if None in marks:
        return [
            (line.position or MEDAL_PLACES.get(line.medal or "NONE", 4), line.medal or "NONE")
            for line in lines
        ]
    known = [m for m in marks if m is not None]
    ranked = places(known, rules.tie_threshold)
    return [(p, medal_for(p, m, rules)) for p, m in zip(ranked, known, strict=True)]


# -- checking a skill's results ---------------------------------------------------------------


@dataclass(frozen=True)
class SkillFacts:
    """What the results of a skill are checked against."""

    team_size: int
    known_members: frozenset[str]
    partial: bool = False  # a partial competition may record honours without marks


def check_skill_results(
    results: SkillResults, facts: SkillFacts | None, rules: CompetitionRules, where: str
) -> list[tuple[str, str]]:
    """Problems as (field, message); empty when the results can apply as they are."""
    if facts is None:
        return [(f"{where}.skill", f"unknown skill {results.skill!r} in this competition")]
    problems = _unmarked_problems(results, facts.partial, where)
    if problems:
        return problems
    derived = derive(results.results, rules)
    seen_members: dict[str, int] = {}
    seen_people: dict[str, int] = {}
    for index, (line, (_, medal)) in enumerate(zip(results.results, derived, strict=True)):
        at = f"{where}.results[{index}]"
        if line.member not in facts.known_members:
            problems.append((f"{at}.member", f"unknown member {line.member!r}"))
        if line.member in seen_members:
            problems.append(
                (
                    f"{at}.member",
                    f"duplicate entry: {line.member} already entered at "
                    f"results[{seen_members[line.member]}] (one entry per member per skill)",
                )
            )
        seen_members.setdefault(line.member, index)
        if len(line.competitors) > facts.team_size:
            problems.append(
                (
                    f"{at}.competitors",
                    f"{len(line.competitors)} competitors but skill {results.skill} takes "
                    f"teams of at most {facts.team_size}",
                )
            )
        for person in line.competitors:
            key = person.person or person.id
            if key is None:
                continue
            if key in seen_people and seen_people[key] != index:
                problems.append(
                    (f"{at}.competitors", "duplicate entry: a competitor appears in two entries")
                )
            seen_people.setdefault(key, index)
        if line.medal is None and rules.medals == "given":
            problems.append((f"{at}.medal", "this competition's rules need a medal on every line"))
        elif line.medal is not None and line.medal != medal:
            problems.append(
                (
                    f"{at}.medal",
                    f"{line.medal} contradicts the marks: mark {line.mark:g} earns {medal} "
                    f"under this competition's rules (tie threshold {rules.tie_threshold:g}, "
                    f"excellence from {_threshold(rules)})",
                )
            )
    return problems


def _unmarked_problems(results: SkillResults, partial: bool, where: str) -> list[tuple[str, str]]:
    """Lines without a mark: only in a partial competition, only all together, each with its
    medal (and its position below the podium)."""
    unmarked = [i for i, line in enumerate(results.results) if line.mark is None]
    if not unmarked:
        return []
    if not partial:
        return [
            (
                f"{where}.results[{i}].mark",
                "a mark is needed (only a partial competition records honours without marks)",
            )
            for i in unmarked
        ]
    if len(unmarked) != len(results.results):
        return [(f"{where}.results", "give every line of the skill a mark, or none")]
    problems: list[tuple[str, str]] = []
    for i, line in enumerate(results.results):
        if line.medal is None:
            problems.append(
                (f"{where}.results[{i}].medal", "a result without a mark needs its medal")
            )
        elif line.medal not in MEDAL_PLACES and line.position is None:
            problems.append(
                (
                    f"{where}.results[{i}].position",
                    "a result without a mark or podium medal needs its position",
                )
            )
    return problems


def _threshold(rules: CompetitionRules) -> str:
    value = rules.excellence_threshold
    return "none" if value is None else f"{value:g}"


def content_hash(results: SkillResults) -> str:
    """Same content, same hash, whatever order the lines came in."""
    lines = sorted(
        results.results,
        key=lambda line: (line.member, [(c.id or "", c.name) for c in line.competitors]),
    )
    canonical = msgspec.json.encode([results.skill, results.revision, lines])
    return hashlib.sha256(canonical).hexdigest()


# -- awards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    member: str
    mark: float


def albert_vidal(results: Sequence[Scored]) -> list[int]:
    """Indices of the highest mark of the whole competition (shared on ties)."""
    if not results:
        return []
    top = max(r.mark for r in results)
    return [i for i, r in enumerate(results) if r.mark == top]


def best_of_nation(results: Sequence[Scored]) -> list[int]:
    """Indices of each member's highest mark in the competition (shared on ties)."""
    best: dict[str, float] = {}
    for r in results:
        best[r.member] = max(best.get(r.member, r.mark), r.mark)
    return [i for i, r in enumerate(results) if r.mark == best[r.member]]


# -- medal tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One member's results in one competition (or one sector of it)."""

    member: str
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    excellence: int = 0
    score_total: float = 0.0
    entries: int = 0
    skills_entered: int = 0

    @property
    def total(self) -> int:
        return self.gold + self.silver + self.bronze

    @property
    def points(self) -> int:
        return 4 * self.gold + 3 * self.silver + 2 * self.bronze + self.excellence

    @property
    def score_avg(self) -> float:
        return round(self.score_total / self.entries, 2) if self.entries else 0.0

    @property
    def points_per_skill(self) -> float:
        return round(self.points / self.skills_entered, 3) if self.skills_entered else 0.0


TALLY_FIELDS = (
    "member",
    "gold",
    "silver",
    "bronze",
    "excellence",
    "score_total",
    "entries",
    "skills_entered",
)


def tally_of(row: Mapping[str, Any]) -> Tally:
    """A tally from a row of the medal-table read model (any row with its columns)."""
    return Tally(**{name: row[name] for name in TALLY_FIELDS})


ORDERINGS: dict[str, Callable[[Tally], tuple[float, ...]]] = {
    "gold": lambda t: (t.gold, t.silver, t.bronze, t.excellence),
    "total": lambda t: (t.total,),
    "points": lambda t: (t.points,),
    "score_total": lambda t: (round(t.score_total, 2),),
    "score_avg": lambda t: (t.score_avg,),
    "points_per_skill": lambda t: (t.points_per_skill,),
}


def rank(tallies: Iterable[Tally], rank_by: str) -> list[tuple[int, Tally]]:
    """Tallies best first with their rank; equal keys share a rank (1, 1, 3)."""
    key = ORDERINGS[rank_by]
    ordered = sorted(tallies, key=lambda t: (tuple(-k for k in key(t)), t.member))
    ranked: list[tuple[int, Tally]] = []
    for index, tally in enumerate(ordered):
        same = ranked and key(ranked[-1][1]) == key(tally)
        ranked.append((ranked[-1][0] if same else index + 1, tally))
    return ranked


def ranks_of(tallies: Sequence[Tally], member: str) -> dict[str, int]:
    """The member's rank under every ordering."""
    out: dict[str, int] = {}
    for rank_by in ORDERINGS:
        out[rank_by] = next(r for r, t in rank(tallies, rank_by) if t.member == member)
    return out


# -- streaks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreakRun:
    member: str
    golds: int
    first: str
    last: str


def gold_streaks(editions: Sequence[tuple[str, Sequence[str]]]) -> list[StreakRun]:
    """Runs of consecutive editions (in order) where one member took gold; longest first.

    `editions` lists (competition code, members with gold) for every edition the skill ran.
    """
    runs: list[StreakRun] = []
    open_runs: dict[str, tuple[int, str]] = {}
    previous = ""
    for code, golds in editions:
        current: dict[str, tuple[int, str]] = {}
        for member in dict.fromkeys(golds):
            length, first = open_runs.get(member, (0, code))
            current[member] = (length + 1, first)
        for member, (length, first) in open_runs.items():
            if member not in current:
                runs.append(StreakRun(member, length, first, previous))
        open_runs, previous = current, code
    runs += [StreakRun(m, n, first, previous) for m, (n, first) in open_runs.items()]
    return sorted(runs, key=lambda r: (-r.golds, r.member, r.first))


# -- people -----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """Public form of a person's name: `张三丰` → `张**`; `Demo Competitor 07-CN` keeps its label.

    Latin names keep the first word and initials of the rest; CJK names keep the surname.
    """
    name = name.strip()
    if not name:
        return name
    if not any(ch.isascii() and ch.isalpha() for ch in name):
        return name[0] + "*" * (len(name) - 1)
    first, *rest = name.split()
    if first.lower() == "demo":  # invented people: the label says so, nothing to protect
        return name
    return " ".join([first, *(f"{word[0]}." for word in rest)])


def grant_person(person: str) -> str:
    """The person part of a grant id: a short digest of the person's keyed hash (`person`, the
    HMAC of the national ID), so grant ids stay short and reveal nothing."""
    return hashlib.sha256(f"skillsreg:grant:{person}".encode()).hexdigest()[:24]


def grant_id(competition: str, skill: str, person: str, version: int = 1) -> str:
    """Stable across revisions: the first grant of a person in a skill keeps the plain id.

    A grant withdrawn by a revision is never issued again under its id, so a person who earns
    one again in that skill gets the next version (`:v2`, `:v3`, ...).
    """
    plain = f"{competition}:{skill}:{grant_person(person)}"
    return plain if version == 1 else f"{plain}:v{version}"


# -- what a submission is published as --------------------------------------------------------


def identified(
    skills: list[SkillResultsSubmitted], key: bytes, today: date
) -> tuple[list[SkillResults], list[tuple[str, str]]]:
    """Results as they may travel: each national ID checked (GB 11643, check character) and
    replaced by its keyed hash and last four characters; with (field, message) problems."""
    hasher, problems, out = person_hasher(key), [], []
    for s, submitted in enumerate(skills):
        lines = []
        for r, line in enumerate(submitted.results):
            people = []
            for c, person in enumerate(line.competitors):
                ref = last4 = None
                if person.national_id is not None:
                    national_id = normalise_id(person.national_id)
                    problem = resident_id_problem(national_id, today)
                    where = f"skills[{s}].results[{r}].competitors[{c}].national_id"
                    if problem:
                        problems.append((where, problem))
                    ref, last4 = hasher(national_id), national_id[-4:]
                people.append(
                    Competitor(name=person.name, id=person.id, person=ref, id_last4=last4)
                )
            lines.append(
                ResultLine(
                    member=line.member,
                    competitors=people,
                    mark=line.mark,
                    position=line.position,
                    medal=line.medal,
                )
            )
        out.append(SkillResults(skill=submitted.skill, revision=submitted.revision, results=lines))
    return out, problems


def results_digest(skills: list[SkillResults]) -> str:
    return hashlib.sha256(
        "|".join(f"{s.skill}:{s.revision}:{content_hash(s)}" for s in skills).encode()
    ).hexdigest()[:32]


def content_event_id(competition: str, skills: list[SkillResults]) -> str:
    """An id from the content: publishing the same results twice dedupes on the server."""
    return f"results:{competition}:{results_digest(skills)}"


# -- withdrawing grants -----------------------------------------------------------------------


@dataclass(frozen=True)
class Earned:
    """What one person's result in a skill earns under the rating policy (or was granted)."""

    medal: str
    level: str
    occupation_code: str


def withdrawal_reason(
    skill: str, granted: Earned, medal: str, now: Earned | None, revision: int
) -> str | None:
    """Why a revision withdraws a grant, or None when the grant still stands.

    `medal` is the person's medal in the revised results (NONE if they are gone from them);
    `now` what it earns under the policy. A grant stands while it earns the same rating, even
    if the medal changed (a policy may map two medals to one level).
    """
    if now is not None and (now.level, now.occupation_code) == (
        granted.level,
        granted.occupation_code,
    ):
        return None
    was = f"{granted.medal.lower()} medal in skill {skill}"
    if medal == "NONE":
        return f"{was} removed by result revision {revision}"
    if medal != granted.medal:
        change = "lowered" if MEDAL_POINTS[medal] < MEDAL_POINTS[granted.medal] else "raised"
        return f"{was} {change} to {medal.lower()} by result revision {revision}"
    if now is None:
        return f"{was} earns no rating under the rating policy at result revision {revision}"
    return (
        f"{was} earns {now.level} in {now.occupation_code} under the rating policy, "
        f"not {granted.level} in {granted.occupation_code}, at result revision {revision}"
    )


# -- finding skills ---------------------------------------------------------------------------

_SKILL_NUMBER = re.compile(SKILL_NUMBER)


def skill_number(text: str) -> str | None:
    """The skill number someone typing `7`, `07` or `po1` means, if the text can be one."""
    candidate = text.strip().upper()
    if not _SKILL_NUMBER.match(candidate):
        return None
    return candidate.zfill(2) if candidate.isdigit() else candidate


def like_pattern(text: str) -> str:
    """A LIKE pattern for 'contains `text`', with the wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
