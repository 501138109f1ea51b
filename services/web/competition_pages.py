"""Pages over competition results: list, medal table with its orderings, member, skill and
competitor histories. Members appear by name (and flag), kinds are never mixed."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated, Any, get_args

from litestar import Controller, Request, get
from litestar.params import Parameter, PathParameter
from litestar.response import Response

from schemas.competitions import (
    Awards,
    Competition,
    CompetitionKind,
    CompetitionPage,
    CompetitorHistory,
    MedalTable,
    Member,
    MemberHistory,
    MemberPage,
    RankBy,
    Result,
    Sector,
    SkillHistory,
    SkillPage,
    SkillResultsView,
    SkillSearch,
)
from services.platform.public_api import ApiError, PublicApi

from .charts import MEDAL_COLOURS, Bar, stacked_bars
from .i18n import text
from .render import api, lang_of, page, refused

AnyRequest = Request[Any, Any, Any]
ORDERINGS: tuple[str, ...] = get_args(RankBy)
SECTORS: tuple[str, ...] = get_args(Sector)
KINDS: tuple[str, ...] = get_args(CompetitionKind)
Kind = Annotated[str, Parameter(max_length=20)]


async def members_of(public: PublicApi) -> dict[str, Member]:
    """Every member by code, for names (and flags) wherever a code appears."""
    found = await public.get("/members", MemberPage, {"limit": 500})
    return {m.code: m for m in found.items}


def notes_of(found: CompetitionPage) -> dict[str, str]:
    """The notes (demo data, partial results) of the competitions a page lists."""
    return {c.code: c.note for c in found.items if c.note}


def best_of_nation(awards: Awards) -> list[tuple[str, list[Result]]]:
    """Best of Nation once per member, with all its holders (ties share it)."""
    ordered = sorted(awards.best_of_nation, key=lambda r: (r.member, r.skill))
    return [(member, list(rows)) for member, rows in groupby(ordered, key=lambda r: r.member)]


class CompetitionPages(Controller):
    include_in_schema = False

    @get("/competitions")
    async def competitions(
        self, request: AnyRequest, after: Annotated[str, Parameter(max_length=20)] = ""
    ) -> Response[str]:
        async with api(request) as public:
            try:
                found = await public.get("/competitions", CompetitionPage, {"after": after})
                members = await members_of(public)
            except ApiError as exc:
                return refused(request, exc)
        return page(
            request, "competitions.html", members=members, found=found, notes=notes_of(found)
        )

    @get("/competitions/{code:str}")
    async def medal_table(
        self,
        request: AnyRequest,
        code: Annotated[str, PathParameter(max_length=20)],
        rank_by: Annotated[str, Parameter(max_length=20)] = "gold",
        sector: Annotated[str, Parameter(max_length=40)] = "",
    ) -> Response[str]:
        async with api(request) as public:
            try:
                competition = await public.get(f"/competitions/{code}", Competition)
                table = await public.get(
                    f"/competitions/{code}/medal-table",
                    MedalTable,
                    {"rank_by": rank_by, "sector": sector},
                )
                awards = await public.get(f"/competitions/{code}/awards", Awards)
                skills = await public.get(f"/competitions/{code}/skills", SkillPage, {"limit": 200})
                members = await members_of(public)
            except ApiError as exc:
                return refused(request, exc, back=f"/{lang_of(request)}/competitions/{code}")
        by_sector = sorted(skills.items, key=lambda s: (SECTORS.index(s.sector), s.number))
        return page(
            request,
            "medal_table.html",
            members=members,
            competition=competition,
            table=table,
            awards=awards,
            best_of_nation=best_of_nation(awards),
            skill_by_number={s.number: s for s in skills.items},
            sectors_skills=[(k, list(v)) for k, v in groupby(by_sector, key=lambda s: s.sector)],
            orderings=ORDERINGS,
            sectors=SECTORS,
            sector=sector,
            notes={competition.code: competition.note} if competition.note else {},
        )

    @get("/competitions/{code:str}/skills/{number:str}")
    async def skill_results(
        self,
        request: AnyRequest,
        code: Annotated[str, PathParameter(max_length=20)],
        number: Annotated[str, PathParameter(max_length=10)],
    ) -> Response[str]:
        async with api(request) as public:
            try:
                view = await public.get(
                    f"/competitions/{code}/skills/{number}/results", SkillResultsView
                )
                members = await members_of(public)
            except ApiError as exc:
                return refused(request, exc)
        notes = {code: view.note} if view.note else {}
        return page(
            request, "skill_results.html", members=members, code=code, view=view, notes=notes
        )

    @get("/members/{code:str}")
    async def member(
        self,
        request: AnyRequest,
        code: Annotated[str, PathParameter(max_length=10)],
        since: Annotated[str, Parameter(max_length=4)] = "",
        until: Annotated[str, Parameter(max_length=4)] = "",
        kind: Kind = "worldskills",
    ) -> Response[str]:
        async with api(request) as public:
            try:
                history = await public.get(
                    f"/members/{code}/history",
                    MemberHistory,
                    {"since": since, "until": until, "kind": kind},
                )
            except ApiError as exc:
                return refused(request, exc, back=f"/{lang_of(request)}/members/{code}")
        lang = lang_of(request)
        # Oldest first, as a timeline reads.
        standings = sorted(history.competitions, key=lambda s: s.starts_on)
        chart = stacked_bars(
            [
                Bar(
                    str(s.starts_on.year),
                    {
                        "gold": s.gold,
                        "silver": s.silver,
                        "bronze": s.bronze,
                        "excellence": s.excellence,
                    },
                    s.competition,
                )
                for s in standings
            ],
            title=text(lang, "medals_per_competition"),
            legend={k: text(lang, k) for k in ("gold", "silver", "bronze", "excellence")},
        )
        return page(
            request,
            "member.html",
            history=history,
            chart=chart,
            colours=MEDAL_COLOURS,
            orderings=ORDERINGS,
            kinds=KINDS,
            since=since,
            until=until,
            notes=history.notes,
        )

    @get("/skills")
    async def skill_history(
        self,
        request: AnyRequest,
        q: Annotated[str, Parameter(max_length=200)] = "",
        name: Annotated[str, Parameter(max_length=200)] = "",
        kind: Kind = "worldskills",
    ) -> Response[str]:
        """`q`: what someone typed (number, part of a name); `name`: one skill's English name."""
        q, name = q.strip(), name.strip()
        history: SkillHistory | None = None
        found: SkillSearch | None = None
        async with api(request) as public:
            try:
                if q and not name:
                    found = await public.get("/skills", SkillSearch, {"q": q, "kind": kind})
                    exact = [m for m in found.items if q.casefold() in _names(m)]
                    if len(found.items) == 1 or len(exact) == 1:
                        name = (exact or found.items)[0].name_en
                if name:
                    history = await public.get(
                        "/skills/history", SkillHistory, {"name": name, "kind": kind}
                    )
                members = await members_of(public) if history else {}
            except ApiError as exc:
                return refused(request, exc, back=f"/{lang_of(request)}/skills")
        return page(
            request,
            "skill_history.html",
            members=members,
            q=q or name,
            skill=name,
            kind=kind,
            kinds=KINDS,
            found=found,
            history=history,
            notes=history.notes if history else {},
        )

    @get("/competitors/{person_id:str}")
    async def competitor(
        self, request: AnyRequest, person_id: Annotated[str, PathParameter(max_length=80)]
    ) -> Response[str]:
        async with api(request) as public:
            try:
                history = await public.get(f"/competitors/{person_id}/history", CompetitorHistory)
                members = await members_of(public)
            except ApiError as exc:
                return refused(request, exc)
        return page(
            request, "competitor.html", members=members, history=history, notes=history.notes
        )


def _names(match: Any) -> set[str]:
    return {match.name_en.casefold(), (match.name_zh or "").casefold(), *match.numbers}
