"""Pages over the labour-market information: catalogues with their rank histories, pay, rating
statistics; and the labour parts of the occupation and release pages. Clients of the public
JSON API like every page; a labour context not deployed here leaves those parts out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter, PathParameter
from litestar.response import Response

from schemas.labour_reads import (
    Catalogue,
    CataloguePage,
    Movers,
    OccupationPay,
    Package,
    PayRanking,
    PaySurveyPage,
    RankHistory,
    ReleasePackages,
    StatisticsTable,
)
from schemas.regions import PROVINCES
from services.platform.public_api import ApiError, PublicApi

from .i18n import Lang, text
from .labour_charts import Line, PayBox, Stack, pay_boxes, rank_lines, stacked
from .render import api, lang_of, page, refused, serves

AnyRequest = Request[Any, Any, Any]
LEVELS = ("junior", "intermediate", "senior", "technician", "senior_technician")
HISTORY_LINES = 8  # occupations drawn in a catalogue's rank-history chart


def level_names(lang: Lang) -> dict[str, str]:
    return {level: text(lang, f"lvl_{level}") for level in (
        "apprentice", "junior", "intermediate", "senior", "technician", "senior_technician",
        "special_grade_technician", "chief_technician")}  # fmt: skip


class LabourPages(Controller):
    include_in_schema = False

    @get("/labour")
    async def overview(self, request: AnyRequest) -> Response[str]:
        async with api(request) as public:
            latest = await public.get("/labour/catalogues", CataloguePage, {"limit": 8})
            surveys = await public.get("/labour/pay", PaySurveyPage)
        return page(request, "labour.html", latest=latest.items, surveys=surveys.items)

    @get("/labour/catalogues")
    async def catalogues(
        self,
        request: AnyRequest,
        kind: Annotated[str, Parameter(max_length=20)] = "",
        region: Annotated[str, Parameter(max_length=20)] = "",
        after: Annotated[str, Parameter(max_length=80)] = "",
    ) -> Response[str]:
        params = {"kind": kind, "region": region, "after": after}
        async with api(request) as public:
            try:
                found = await public.get("/labour/catalogues", CataloguePage, params)
            except ApiError as exc:
                return refused(request, exc)
        return page(
            request, "catalogues.html", found=found, kind=kind, region=region, provinces=PROVINCES
        )

    @get("/labour/catalogues/{catalogue_id:str}")
    async def catalogue(
        self,
        request: AnyRequest,
        catalogue_id: Annotated[str, PathParameter(max_length=80, pattern=r"^[\w.\-]+$")],
    ) -> Response[str]:
        lang = lang_of(request)
        async with api(request) as public:
            try:
                found = await public.get(f"/labour/catalogues/{catalogue_id}", Catalogue)
            except ApiError as exc:
                return refused(request, exc)
            summary = found.catalogue
            series = await public.get(
                "/labour/catalogues",
                CataloguePage,
                {"kind": summary.kind, "region": summary.region, "limit": 12},
            )
            periods = sorted(
                (c.period for c in series.items if len(c.period) == len(summary.period)),
                key=lambda p: p,
            )
            lines = []
            for entry in found.entries[:HISTORY_LINES]:
                history = await public.get(
                    f"/labour/occupations/{entry.occupation_code}/demand", RankHistory
                )
                points = next(
                    (
                        {p.period: p.rank for p in s.points}
                        for s in history.series
                        if (s.kind, s.region) == (summary.kind, summary.region)
                    ),
                    {},
                )
                label = (entry.name_en if lang == "en" and entry.name_en else entry.name_zh) or ""
                lines.append(Line(label, points))
            movers = None
            if found.previous_period:
                movers = await public.find(
                    "/labour/catalogues/movers",
                    Movers,
                    {"kind": summary.kind, "region": summary.region,
                     "from": found.previous_period, "to": summary.period},
                )  # fmt: skip
        chart = (
            rank_lines(lines, periods, title=text(lang, "rank_history")) if len(periods) > 1 else ""
        )
        return page(request, "catalogue.html", found=found, chart=chart, movers=movers)

    @get("/labour/pay")
    async def pay(
        self,
        request: AnyRequest,
        level: Annotated[str, Parameter(max_length=30)] = "intermediate",
        survey: Annotated[str, Parameter(max_length=20)] = "",
    ) -> Response[str]:
        region, _, year = survey.partition(".")
        params: dict[str, str | int | None] = {
            "level": level,
            "region": region,
            "year": year,
            "limit": 100,
        }
        async with api(request) as public:
            surveys = await public.get("/labour/pay", PaySurveyPage)
            try:
                ranking = await public.find("/labour/pay/ranking", PayRanking, params)
            except ApiError as exc:
                return refused(request, exc)
        return page(
            request, "pay.html", ranking=ranking, surveys=surveys.items, level=level,
            survey=survey, levels=LEVELS, level_names=level_names(lang_of(request)),
        )  # fmt: skip

    @get("/labour/statistics")
    async def statistics(
        self,
        request: AnyRequest,
        rows: Annotated[str, Parameter(max_length=20)] = "occupation",
        year: Annotated[str, Parameter(max_length=4)] = "",
    ) -> Response[str]:
        lang = lang_of(request)
        async with api(request) as public:
            try:
                years = await public.find("/labour/rating-statistics/years", StatisticsTable)
                table = None
                if years is not None:
                    table = await public.find(
                        "/labour/rating-statistics", StatisticsTable, {"rows": rows, "year": year}
                    )
            except ApiError as exc:
                return refused(request, exc)
        names = level_names(lang)
        chart = ""
        if years is not None and years.rows:
            used = [
                i for i, _ in enumerate(years.levels) if any(r.cells[i].value for r in years.rows)
            ]
            chart = stacked(
                [Stack(r.key, [r.cells[i].value for i in used]) for r in years.rows],
                [names[years.levels[i]] for i in used],
                title=text(lang, "per_level_per_year"),
            )
        return page(
            request, "statistics.html", table=table, years=years, chart=chart, rows=rows,
            level_names=names,
        )  # fmt: skip


async def occupation_labour(request: AnyRequest, public: PublicApi, code: str) -> dict[str, Any]:
    """The occupation page's demand ranks, pay by level and package, where published."""
    if not serves(request, "/labour/occupations/{code:str}/demand"):
        return {}
    lang = lang_of(request)
    demand = await public.find(f"/labour/occupations/{code}/demand", RankHistory)
    pay = await public.find(f"/labour/occupations/{code}/pay", OccupationPay)
    package = await public.find(f"/labour/packages/{code}", Package)
    names = level_names(lang)
    pay_chart = ""
    if pay is not None and pay.levels:
        pay_chart = pay_boxes(
            [
                PayBox(names[lv.level], lv.p10, lv.p25, lv.p50, lv.p75, lv.p90, lv.minimum_pay)
                for lv in pay.levels
            ],
            title=text(lang, "pay_by_level"),
            minimum_label=text(lang, "minimum_pay"),
        )
    demand_chart = ""
    if demand is not None and demand.series:
        periods = sorted({p.period for s in demand.series for p in s.points})
        lines = [
            Line(f"{text(lang, 'kind_' + s.kind)} · {s.region_en if lang == 'en' else s.region_zh}",
                 {p.period: p.rank for p in s.points})
            for s in demand.series
        ]  # fmt: skip
        demand_chart = rank_lines(lines, periods, title=text(lang, "rank_history"))
    return {
        "demand": demand,
        "demand_chart": demand_chart,
        "pay": pay,
        "pay_chart": pay_chart,
        "package": package,
        "level_names": names,
    }


async def release_packages(
    request: AnyRequest, public: PublicApi, release_id: str
) -> ReleasePackages | None:
    if not serves(request, "/labour/releases/{release_id:str}/packages"):
        return None
    return await public.find(f"/labour/releases/{release_id}/packages", ReleasePackages)
