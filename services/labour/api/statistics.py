"""HTTP for rating statistics: public tables with small counts hidden; full figures and the
whole cube for ministry tokens."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get

from schemas.labour_reads import StatisticsCellPage, StatisticsTable
from schemas.ratings import Level
from services.platform.auth import authenticate, authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses

from ..views import statistics
from ..views.pay import LEVEL_ORDER
from .params import OCCUPATION_CODE, PROVINCE, YEAR, query

PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization"}
PUBLIC = {"Cache-Control": "public, max-age=5", "Vary": "Authorization"}
CELL_KEY = r"^20\d{2}~[a-z_]{1,30}~[1-8](-\d{2}){3}~(none|\d{6})~(assessment|grant)$"


async def _full_figures(request: Request[Any, Any, Any]) -> bool:
    """A ministry (or admin) token sees every figure; no token, the public tables. A token
    that is sent must be valid."""
    if "authorization" not in request.headers:
        return False
    principal = await authenticate(request)
    return principal.role in ("ministry", "admin")


async def _table(request: Request[Any, Any, Any], pool: Any, key: str) -> Response[StatisticsTable]:
    if await _full_figures(request):
        table = await statistics.full_table(pool, key)
        headers = PRIVATE
    else:
        body = await statistics.public_table(pool, key)
        table = None if body is None else statistics.decode(body)
        headers = PUBLIC
    if table is None:
        raise Problem(404, "no-statistics", "No certificates counted there", key)
    return Response(table, headers=headers)


class StatisticsController(Controller):
    path = "/labour/rating-statistics"
    tags = ["labour"]

    @get(
        "/",
        summary="Certificates in force in a year: rows × rating levels, small counts hidden",
        description=(
            "Rows by occupation, province (of the issuing body) or origin (assessment or "
            "competition grant). Counts of 1 to 9 show as `<10`, and further cells as `x` so "
            "that no combination of the figures shown recovers a hidden one; the three tables "
            "of a year are protected together. A ministry token gets full figures."
        ),
        responses=problem_responses(401),
    )
    async def table(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        year: Annotated[int | None, query("Default: the latest year", **YEAR)] = None,
        rows: Annotated[
            Literal["occupation", "province", "origin"], query("What the rows are")
        ] = "occupation",
    ) -> Response[StatisticsTable]:
        if year is None:
            years = await _table(request, pool, "year:all")
            if not years.content.years:
                raise Problem(404, "no-statistics", "No certificates counted yet")
            year = years.content.years[-1]
        return await _table(request, pool, f"{rows}:{year}")

    @get(
        "/years",
        summary="Certificates in force per rating level, year by year (as each year publishes)",
        responses=problem_responses(401),
    )
    async def years(
        self, request: Request[Any, Any, Any], pool: PoolDep
    ) -> Response[StatisticsTable]:
        return await _table(request, pool, "year:all")

    @get(
        "/cells",
        summary="Every count: year × level × occupation × province × origin (ministry)",
        security=[{"BearerToken": []}],
    )
    async def cells(
        self,
        principal: PrincipalDep,
        pool: PoolDep,
        year: Annotated[int | None, query("Exam year", **YEAR)] = None,
        level: Annotated[Level | None, query("Rating level")] = None,
        occupation_code: Annotated[str | None, query("Occupation", pattern=OCCUPATION_CODE)] = None,
        province: Annotated[
            str | None, query("GB/T 2260 code, or `none`", pattern=PROVINCE)
        ] = None,
        origin: Annotated[
            Literal["assessment", "grant"] | None, query("Assessment or competition grant")
        ] = None,
        after: Annotated[
            str | None, query("`next_after` of the last page", pattern=CELL_KEY)
        ] = None,
        limit: Annotated[int, query("Page size", ge=1, le=1000)] = 200,
    ) -> Response[StatisticsCellPage]:
        authorise(principal, "ministry")
        key = None
        if after is not None:
            parts = after.split("~")
            if parts[1] not in LEVEL_ORDER:
                raise Problem(
                    400, "validation", "Bad cursor", errors=[field_error("after", "unknown level")]
                )
            key = (int(parts[0]), parts[1], parts[2], parts[3], parts[4])
        filters = {
            "year": year,
            "level": level,
            "occupation_code": occupation_code,
            "province": province,
            "origin": origin,
        }
        page = await statistics.cells(pool, filters, key, limit)
        return Response(page, headers=PRIVATE)
