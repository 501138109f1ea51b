"""HTTP reads across competitions: members, member/skill/competitor histories (public)."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, Parameter

from schemas.competitions import (
    MEMBER_CODE,
    SKILL_NUMBER,
    CompetitionKind,
    CompetitionStanding,
    CompetitorEntry,
    CompetitorHistory,
    EditionWinners,
    GrantedCertificate,
    MedalTotals,
    MemberHistory,
    MemberPage,
    MembersCreate,
    PublishedTally,
    PublishedTallyCreate,
    Result,
    SkillHistory,
    SkillMatch,
    SkillSearch,
    Streak,
)
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error

from .. import examples, handlers, views
from ..domain import gold_streaks, like_pattern, skill_number, tally_of
from .common import PUBLIC_CACHE, full_names, public_name, run, to_member, to_result

# Free text that reaches SQL: no control characters (NUL cannot even be stored).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
KindParam = Annotated[
    CompetitionKind, Parameter(description="Kind of competition shown (kinds are never mixed)")
]


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
        rename = principal.role in ("ministry", "admin")
        command = handlers.RegisterMembers(members=data.members, rename=rename)
        written = await run(handlers.register_members(command, pool=pool))
        return {"received": len(data.members), "written": written}

    @get("/", summary="Members (keyset: `after` = last code)")
    async def list_members(
        self,
        pool: PoolDep,
        after: Annotated[str | None, Parameter(pattern=MEMBER_CODE, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> MemberPage:
        rows = await views.list_members(pool, after=after, limit=limit + 1)
        items = [to_member(r) for r in rows[:limit]]
        return MemberPage(items=items, next_after=items[-1].code if len(rows) > limit else None)

    @post(
        "/{code:str}/published-tallies",
        summary="Record a member's totals over a period as a source publishes them (ministry)",
        description="Shown in the member's history apart from the totals computed from results "
        "(e.g. China since 2010: 283 competitors, 93 gold ...). The same kind and period again "
        "replaces it.",
        security=[{"BearerToken": []}],
    )
    async def publish_tally(
        self,
        pool: PoolDep,
        principal: PrincipalDep,
        code: Annotated[str, Parameter(pattern=MEMBER_CODE)],
        data: Annotated[PublishedTallyCreate, examples.PUBLISHED_TALLY],
    ) -> PublishedTally:
        authorise(principal, "ministry")
        command = handlers.PublishMemberTally(member=code, tally=data, actor=principal.actor)
        try:
            row = await run(handlers.publish_member_tally(command, pool=pool))
        except handlers.UnknownMember as exc:
            raise Problem(404, "unknown-member", "Unknown member", f"no member {code}") from exc
        return PublishedTally(**dict(row))

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
        kind: KindParam = "worldskills",
        results: Annotated[
            bool, Parameter(description="List each competition's results too")
        ] = False,
    ) -> MemberHistory:
        found = await views.member_history(
            pool, code, since=since, until=until, kind=kind, results=results
        )
        if found is None:
            raise Problem(404, "unknown-member", "Unknown member", f"no member {code}")
        member = to_member({k: found[k] for k in ("code", "name_en", "name_zh", "kind")})
        rows = msgspec.convert(found["standing_rows"], list[views.MemberStandingRow])
        entries: dict[str, list[Result]] = {}
        for r in msgspec.convert(found["result_rows"], list[views.MemberResultRow]):
            entries.setdefault(r["competition"], []).append(to_result(r, full_names(r)))
        standings: list[CompetitionStanding] = []
        for row in rows:
            own = tally_of(row)
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
                    ranks=row["ranks"],
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
            kind=kind,
            since=since,
            until=until,
            competitions=standings,
            totals=totals,
            published=msgspec.convert(found["tally_rows"], list[PublishedTally]),
            notes=found["notes"],
        )


class SkillHistoryController(Controller):
    path = "/skills"
    tags = ["competitions"]

    @get(
        "/",
        cache_control=PUBLIC_CACHE,
        summary="Find skills by number or by part of their English or Chinese name",
        description="`q=CNC` finds CNC Milling and CNC Turning, `q=数控铣` CNC Milling, `q=7` "
        "skill 07. One kind of competition at a time (default `worldskills`).",
    )
    async def search(
        self,
        pool: PoolDep,
        q: Annotated[str, Parameter(min_length=1, max_length=100, pattern=PLAIN_TEXT)],
        kind: KindParam = "worldskills",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
    ) -> SkillSearch:
        text = q.strip()
        if not text:
            raise Problem(
                400,
                "missing-skill",
                "Name a skill",
                errors=[field_error("q", "give part of a skill name or its number")],
            )
        rows = await views.search_skills(
            pool, pattern=like_pattern(text), number=skill_number(text), kind=kind, limit=limit
        )
        return SkillSearch(
            q=text,
            kind=kind,
            items=[
                SkillMatch(
                    name_en=r["name_en"],
                    name_zh=r["name_zh"],
                    numbers=list(r["numbers"]),
                    sectors=list(r["sectors"]),
                    editions=r["editions"],
                )
                for r in rows
            ],
        )

    @get(
        "/history",
        cache_control=PUBLIC_CACHE,
        summary="A skill across editions of one kind: gold winners and gold streaks",
        description="Streaks run through the editions of the kind that have results; an edition "
        "without the skill's results breaks them. Kinds are never mixed (default `worldskills`).",
    )
    async def history(
        self,
        pool: PoolDep,
        name: Annotated[
            str | None, Parameter(max_length=200, pattern=PLAIN_TEXT, required=False)
        ] = None,
        number: Annotated[str | None, Parameter(pattern=SKILL_NUMBER, required=False)] = None,
        kind: KindParam = "worldskills",
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
                to_result(dict(r) | {"skill": skill}, full_names(r))
                for r in block
                if r["member"] is not None
            ]
            editions.append(
                EditionWinners(
                    competition=competition,
                    starts_on=block[0]["starts_on"],
                    skill=skill,
                    skill_name=block[0]["name_en"],
                    skill_name_zh=block[0]["name_zh"],
                    winners=winners,
                )
            )
        golds = {e.competition: [w.member for w in e.winners] for e in editions}
        sequence = rows[0]["sequence"] if rows else []
        runs = gold_streaks([(code, golds.get(code, [])) for code in sequence])
        return SkillHistory(
            kind=kind,
            notes=rows[0]["notes"] if rows else {},
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
            notes=rows[0]["notes"],
            # Masked unless every competition it appears in publishes full names.
            name=public_name(rows[-1]["name"], all(full_names(r) for r in rows)),
            entries=[
                CompetitorEntry(
                    competition=r["competition"],
                    starts_on=r["starts_on"],
                    skill=r["skill"],
                    skill_name=r["skill_name"],
                    skill_name_zh=r["skill_name_zh"],
                    member=r["member"],
                    mark=r["mark"],
                    position=r["position"],
                    medal=r["medal"],
                    certificate=granted_certificate(r),
                )
                for r in rows
            ],
        )
