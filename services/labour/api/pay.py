"""HTTP for pay of skilled workers: publish (ministry, provinces), by occupation, by level."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get

from schemas.labour import PayPublished, SubmissionStatus
from schemas.labour_reads import OccupationPay, PayRanking, PaySurveyPage
from schemas.ratings import Level
from services.platform.deps import BusDep, PoolDep, PrincipalDep
from services.platform.errors import Problem

from .. import examples
from ..handlers import PublishPay, publish_pay
from ..views import pay
from ..views.catalogues import named
from .params import OCCUPATION_CODE, PUBLIC_CACHE, REGION, YEAR, path, query
from .publications import publish, publisher, publishing

SURVEY_ID = r"^(national|\d{6})\.20\d{2}$"


class PayController(Controller):
    path = "/labour"
    tags = ["labour"]

    @publishing(
        "/pay",
        summary="Publish pay of skilled workers for a region and year (ministry, province)",
        description=(
            "Monthly pay percentiles (P10–P90, yuan) per occupation and skill level with the "
            "sample size, and optional minimum-pay guidance per level. Percentiles out of order "
            "are refused (422, naming the row), negative figures at the edge (400). A province's "
            "token publishes for its own region only. 202 + status URL; `Prefer: wait=N`."
        ),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PayPublished, examples.PAY],
        principal: PrincipalDep,
        pool: PoolDep,
        bus: BusDep,
    ) -> Response[SubmissionStatus]:
        command = PublishPay(pay=data, publisher=publisher(principal, "ministry", "province"))
        return await publish(request, pool, lambda: publish_pay(command, pool=pool, bus=bus))

    @get("/pay", summary="Pay surveys, newest first", cache_control=PUBLIC_CACHE)
    async def surveys(self, pool: PoolDep) -> PaySurveyPage:
        return await pay.surveys(pool)

    @get(
        "/pay/ranking",
        summary="Occupations at one skill level, highest median pay first",
        cache_control=PUBLIC_CACHE,
    )
    async def ranking(
        self,
        pool: PoolDep,
        level: Annotated[Level, query("The rating level")],
        region: Annotated[
            str | None, query("Default: the latest survey, national first", pattern=REGION)
        ] = None,
        year: Annotated[int | None, query("Default: the latest", **YEAR)] = None,
        limit: Annotated[int, query("How many", ge=1, le=500)] = 50,
    ) -> PayRanking:
        found = await pay.ranking(pool, level, region, year, limit)
        if found is None:
            raise Problem(404, "unknown-survey", "No such pay survey", f"{region} {year}")
        return found

    @get("/pay/{survey_id:str}", summary="A pay survey as published (its applied revision)")
    async def survey(
        self, pool: PoolDep, survey_id: Annotated[str, path(SURVEY_ID, "`<region>.<year>`")]
    ) -> PayPublished:
        document = await pool.fetchval(
            """SELECT document FROM labour.publication WHERE what = 'pay' AND key = $1
            ORDER BY revision DESC LIMIT 1""",
            survey_id,
        )
        if document is None:
            raise Problem(404, "unknown-survey", "No such pay survey", survey_id)
        return msgspec.convert(document, PayPublished)

    @get(
        "/occupations/{code:str}/pay",
        summary="An occupation's pay at every skill level in one survey",
        cache_control=PUBLIC_CACHE,
    )
    async def occupation_pay(
        self,
        pool: PoolDep,
        code: Annotated[str, path(OCCUPATION_CODE, "Occupation code `X-XX-XX-XX`")],
        region: Annotated[
            str | None, query("Default: the latest survey holding it", pattern=REGION)
        ] = None,
        year: Annotated[int | None, query("Default: the latest", **YEAR)] = None,
    ) -> OccupationPay:
        occupation = await named(pool, code)
        found = (
            None if occupation is None else await pay.occupation_pay(pool, occupation, region, year)
        )
        if found is None:
            raise Problem(404, "no-pay", "No pay published", f"no pay of {code} in that survey")
        return found
