"""HTTP reads across competitions: members, member/skill/competitor histories (public)."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any, Literal

from litestar import Controller, get, post
from litestar.params import FromPath, Parameter

from schemas.competitions import (
    CompetitionKind,
    CompetitionStanding,
    CompetitorEntry,
    CompetitorHistory,
    EditionWinners,
    GrantedCertificate,
    MedalTotals,
    Member,
    MemberHistory,
    MemberPage,
    MembersCreate,
    Result,
    SkillHistory,
    Streak,
)
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error

from . import examples, store, views
from .domain import gold_streaks, mask_name
from .shapes import PUBLIC_CACHE, to_result, to_tally


def granted_certificate(row: Any) -> GrantedCertificate | None:
    if row["grant_level"] is None:
        return None
    number = row["certificate_no"]
    status: Literal["pending", "valid", "revoked"] = "pending"
    if number:
        status = "revoked" if row["certificate_revoked"] else "valid"
    return GrantedCertificate(
        level=row["grant_level"],
        occupation_code=row["grant_occupation"],
        number=number,
        status=status,
    )


def to_member(row: Any) -> Member:
    return Member(**dict(row))


class MemberController(Controller):
    path = "/members"
    tags = ["competitions"]

    @post(
        "/",
        summary="Register members (new codes; ministry may also rename)",
        security=[{"BearerToken": []}],
    )
    async def register(
        self,
        pool: PoolDep,
        principal: PrincipalDep,
        data: Annotated[MembersCreate, examples.MEMBERS],
    ) -> dict[str, int]:
        authorise(principal, "ministry", "organiser")
        codes = [m.code for m in data.members]
        errors = [
            field_error(f"members[{i}].code", f"{c} appears twice")
            for i, c in enumerate(codes)
            if c in codes[:i]
        ]
        if errors:
            raise Problem(400, "invalid-members", "The members cannot be registered", errors=errors)
        added = await store.upsert_members(
            pool, data.members, rename=principal.role in ("ministry", "admin")
        )
        return {"received": len(codes), "written": added}

    @get("/", summary="Members (keyset: `after` = last code)")
    async def list_members(
        self,
        pool: PoolDep,
        after: Annotated[str | None, Parameter(required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> MemberPage:
        rows = await views.list_members(pool, after=after, limit=limit + 1)
        items = [to_member(r) for r in rows[:limit]]
        return MemberPage(items=items, next_after=items[-1].code if len(rows) > limit else None)

    @get(
        "/{code:str}/history",
        cache_control=PUBLIC_CACHE,
        summary="A member across competitions: medals and ranks",
    )
    async def history(
        self,
        pool: PoolDep,
        code: FromPath[str],
        since: Annotated[int | None, Parameter(ge=1900, le=2200, required=False)] = None,
        until: Annotated[int | None, Parameter(ge=1900, le=2200, required=False)] = None,
        kind: Annotated[CompetitionKind | None, Parameter(required=False)] = None,
        results: Annotated[
            bool, Parameter(description="List each competition's results too")
        ] = False,
    ) -> MemberHistory:
        rows = await views.member_standings(pool, code, since=since, until=until, kind=kind)
        entries: dict[str, list[Result]] = {}
        if results:
            listed = await views.member_results(pool, code, since=since, until=until, kind=kind)
            for r in listed:
                entries.setdefault(r["competition"], []).append(to_result(r))
        if rows:
            first = rows[0]
            member = Member(
                code=code,
                name_en=first["member_name_en"],
                name_zh=first["member_name_zh"],
                kind=first["member_kind"],
            )
        else:  # only a member without standings costs the look-up
            found = await views.get_member(pool, code)
            if found is None:
                raise Problem(404, "unknown-member", "Unknown member", f"no member {code}")
            member = to_member(found)
        standings: list[CompetitionStanding] = []
        for row in rows:
            own = to_tally(row)
            standings.append(
                CompetitionStanding(
                    competition=row["competition"],
                    name=row["name"],
                    kind=row["kind"],
                    starts_on=row["starts_on"],
                    entries=own.entries,
                    competitors=row["competitors"],
                    gold=own.gold,
                    silver=own.silver,
                    bronze=own.bronze,
                    excellence=own.excellence,
                    points=own.points,
                    score_total=round(own.score_total, 2),
                    score_avg=own.score_avg,
                    ranks={k: row[c] for k, c in views.RANK_COLUMNS.items()},
                    results=entries.get(row["competition"], []) if results else None,
                )
            )
        totals = MedalTotals(
            competitions=len(standings),
            entries=sum(s.entries for s in standings),
            competitors=sum(s.competitors for s in standings),
            gold=sum(s.gold for s in standings),
            silver=sum(s.silver for s in standings),
            bronze=sum(s.bronze for s in standings),
            excellence=sum(s.excellence for s in standings),
        )
        return MemberHistory(
            member=member,
            since=since,
            until=until,
            competitions=standings,
            totals=totals,
        )


class SkillHistoryController(Controller):
    path = "/skills"
    tags = ["competitions"]

    @get(
        "/history",
        cache_control=PUBLIC_CACHE,
        summary="A skill across editions: gold winners and gold streaks",
    )
    async def history(
        self,
        pool: PoolDep,
        name: Annotated[str | None, Parameter(max_length=200, required=False)] = None,
        number: Annotated[str | None, Parameter(pattern=r"^[A-Z0-9]{1,6}$", required=False)] = None,
        kind: Annotated[CompetitionKind | None, Parameter(required=False)] = None,
    ) -> SkillHistory:
        if not name and not number:
            raise Problem(
                400,
                "missing-skill",
                "Name a skill",
                errors=[field_error("name", "give `name` or `number`")],
            )
        rows = await views.skill_history(pool, number=number, name=name, kind=kind)
        editions: list[EditionWinners] = []
        for (competition, skill), group in groupby(
            rows, key=lambda r: (r["competition"], r["number"])
        ):
            block = list(group)
            winners = [
                to_result(dict(r) | {"skill": skill}) for r in block if r["member"] is not None
            ]
            editions.append(
                EditionWinners(
                    competition=competition,
                    starts_on=block[0]["starts_on"],
                    skill=skill,
                    skill_name=block[0]["name_en"],
                    winners=winners,
                )
            )
        runs = gold_streaks([(e.competition, [w.member for w in e.winners]) for e in editions])
        return SkillHistory(
            editions=editions,
            streaks=[
                Streak(member=r.member, golds=r.golds, first=r.first, last=r.last) for r in runs
            ],
        )


class CompetitorController(Controller):
    path = "/competitors"
    tags = ["competitions"]

    @get(
        "/{person_id:str}/history",
        cache_control=PUBLIC_CACHE,
        summary="One competitor's entries across competitions",
    )
    async def history(self, pool: PoolDep, person_id: FromPath[str]) -> CompetitorHistory:
        rows = await views.competitor_history(pool, person_id)
        if not rows:
            raise Problem(404, "unknown-competitor", "Unknown competitor", f"no {person_id}")
        return CompetitorHistory(
            id=person_id,
            name=mask_name(rows[-1]["name"]),
            entries=[
                CompetitorEntry(
                    competition=r["competition"],
                    starts_on=r["starts_on"],
                    skill=r["skill"],
                    skill_name=r["skill_name"],
                    member=r["member"],
                    mark=r["mark"],
                    position=r["position"],
                    medal=r["medal"],
                    certificate=granted_certificate(r),
                )
                for r in rows
            ],
        )
