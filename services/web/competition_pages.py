"""Pages over competition results: list, medal table with its orderings, member, skill and
competitor histories."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from litestar import Controller, Request, get
from litestar.params import Parameter, PathParameter
from litestar.response import Response

from schemas.competitions import (
    Awards,
    Competition,
    CompetitionPage,
    CompetitorHistory,
    MedalTable,
    MemberHistory,
    RankBy,
    Sector,
    SkillHistory,
    SkillPage,
    SkillResultsView,
)

from .charts import Bar, stacked_bars
from .i18n import text
from .public_api import ApiError
from .render import api, error_page, lang_of, page, refused_field

AnyRequest = Request[Any, Any, Any]
ORDERINGS: tuple[str, ...] = get_args(RankBy)
SECTORS: tuple[str, ...] = get_args(Sector)


def refused(request: AnyRequest, exc: ApiError, *, back: str | None = None) -> Response[str]:
    if exc.status not in (400, 404, 429):
        raise exc
    return error_page(request, exc.status, field=refused_field(exc.problem), back=back)


class CompetitionPages(Controller):
    include_in_schema = False

    @get("/competitions")
    async def competitions(
        self, request: AnyRequest, after: Annotated[str, Parameter(max_length=20)] = ""
    ) -> Response[str]:
        async with api(request) as public:
            found = await public.get("/competitions", CompetitionPage, {"after": after})
        return page(request, "competitions.html", found=found)

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
            except ApiError as exc:
                return refused(request, exc)
        return page(
            request,
            "medal_table.html",
            competition=competition,
            table=table,
            awards=awards,
            skills=skills.items,
            orderings=ORDERINGS,
            sectors=SECTORS,
            sector=sector,
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
            except ApiError as exc:
                return refused(request, exc)
        return page(request, "skill_results.html", code=code, view=view)

    @get("/members/{code:str}")
    async def member(
        self,
        request: AnyRequest,
        code: Annotated[str, PathParameter(max_length=10)],
        since: Annotated[str, Parameter(max_length=4)] = "",
        until: Annotated[str, Parameter(max_length=4)] = "",
    ) -> Response[str]:
        async with api(request) as public:
            try:
                history = await public.get(
                    f"/members/{code}/history", MemberHistory, {"since": since, "until": until}
                )
            except ApiError as exc:
                return refused(request, exc)
        lang = lang_of(request)
        # Oldest first, as a timeline reads.
        standings = sorted(history.competitions, key=lambda s: s.starts_on)
        chart = stacked_bars(
            [
                Bar(
                    s.competition,
                    {
                        "gold": s.gold,
                        "silver": s.silver,
                        "bronze": s.bronze,
                        "excellence": s.excellence,
                    },
                )
                for s in standings
            ],
            title=text(lang, "medals_per_competition"),
            legend={k: text(lang, k) for k in ("gold", "silver", "bronze", "excellence")},
        )
        return page(request, "member.html", history=history, chart=chart, orderings=ORDERINGS)

    @get("/skills")
    async def skill_history(
        self,
        request: AnyRequest,
        q: Annotated[str, Parameter(max_length=200)] = "",
    ) -> Response[str]:
        q = q.strip()
        history: SkillHistory | None = None
        problem: dict[str, Any] | None = None
        if q:
            number = q.upper()
            params = {"number": number} if number.isalnum() and len(number) <= 6 else {"name": q}
            async with api(request) as public:
                try:
                    history = await public.get("/skills/history", SkillHistory, params)
                    if not history.editions and "number" in params:
                        history = await public.get("/skills/history", SkillHistory, {"name": q})
                except ApiError as exc:
                    if exc.status != 400:
                        raise
                    problem = exc.problem
        return page(
            request,
            "skill_history.html",
            status=400 if problem else 200,
            q=q,
            history=history,
            problem=problem,
        )

    @get("/competitors/{person_id:str}")
    async def competitor(
        self, request: AnyRequest, person_id: Annotated[str, PathParameter(max_length=80)]
    ) -> Response[str]:
        async with api(request) as public:
            try:
                history = await public.get(f"/competitors/{person_id}/history", CompetitorHistory)
            except ApiError as exc:
                return refused(request, exc)
        return page(request, "competitor.html", history=history)
