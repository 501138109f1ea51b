"""Shapes of public responses from rows, and the look-ups every competition route shares."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import msgspec
from litestar.datastructures import CacheControlHeader

from schemas.competitions import (
    Competition,
    CompetitionRules,
    MedalRow,
    Member,
    PublicCompetitor,
    Result,
    Skill,
)
from services.platform.auth import Principal, authorise
from services.platform.errors import Problem

from .. import handlers, store
from ..domain import Tally, mask_name
from ..member_names import names_of

T = TypeVar("T")

# Public reads may be cached briefly by proxies: results change rarely, reads come in bursts.
PUBLIC_CACHE = CacheControlHeader(public=True, no_cache=True)  # revalidate: the ETag answers 304


def to_competition(row: Any) -> Competition:
    values = dict(row)
    values["rules"] = msgspec.convert(values["rules"], CompetitionRules)
    return Competition(**values)


def to_member(row: Any) -> Member:
    """Members are named as CLDR and WorldSkills' conventions name them, whatever they were
    registered with; provinces keep their registered names."""
    values = dict(row)
    known = names_of(values["code"]) if values["kind"] == "member" else None
    if known:
        values["name_zh"], values["name_en"] = known
    return Member(**values)


def to_skill(row: Any) -> Skill:
    return Skill(**dict(row))


def full_names(competition: Any) -> bool:
    """Whether the competition's rules publish competitors' full names (`kind` and `rules` of
    its row): WorldSkills does unless told otherwise; every other kind masks by default."""
    rules = competition["rules"] or {}
    chosen = rules.get("competitor_names") if isinstance(rules, dict) else None
    return chosen == "full" if chosen else competition["kind"] == "worldskills"


def public_name(name: str, full: bool) -> str:
    return name if full else mask_name(name)


def to_result(row: Any, full: bool) -> Result:
    """A result; `full`: the competition publishes competitors' full names."""
    return Result(
        skill=row["skill"],
        member=row["member"],
        competitors=[
            PublicCompetitor(id=c["id"], name=public_name(c["name"], full))
            for c in row["competitors"] or []
        ],
        mark=row["mark"],
        position=row["position"],
        medal=row["medal"],
        revision=row["revision"],
        best_of_nation=row["best_of_nation"],
        albert_vidal_award=row["albert_vidal_award"],
    )


def medal_row(place: int, t: Tally) -> MedalRow:
    return MedalRow(
        rank=place,
        member=t.member,
        gold=t.gold,
        silver=t.silver,
        bronze=t.bronze,
        excellence=t.excellence,
        total=t.total,
        points=t.points,
        score_total=round(t.score_total, 2),
        score_avg=t.score_avg,
        skills_entered=t.skills_entered,
        points_per_skill=t.points_per_skill,
    )


async def competition_or_404(pool: Any, code: str) -> Any:
    return competition_found(await store.get_competition(pool, code), code)


def competition_found(row: T | None, code: str) -> T:
    """The row of a read of one competition; none: the competition is unknown (a 404)."""
    if row is None:
        raise Problem(404, "unknown-competition", "Unknown competition", f"no competition {code}")
    return row


def authorise_organiser(principal: Principal, competition: Any, *, ministry: bool) -> None:
    """Organisers act only for their own competitions; ministry staff where allowed."""
    if ministry and principal.role == "ministry":
        return
    authorise(principal, "organiser", organisation=competition["organiser"])


async def run(command: Awaitable[T]) -> T:
    """A command's domain errors as problem details."""
    try:
        return await command
    except handlers.InvalidInput as exc:
        raise Problem(400, exc.problem, exc.title, errors=exc.errors) from exc
    except handlers.AlreadyExists as exc:
        raise Problem(409, exc.problem, exc.title, exc.detail) from exc
