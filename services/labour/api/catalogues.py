"""HTTP for demand catalogues: publish (ministry, provinces), list, read, rank histories, movers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get

from schemas.labour import CatalogueKind, CataloguePublished, SubmissionStatus
from schemas.labour_reads import Catalogue, CataloguePage, Movers, RankHistory
from services.platform.deps import BusDep, PoolDep, PrincipalDep
from services.platform.errors import Problem

from .. import examples
from ..handlers import PublishCatalogue, publish_catalogue
from ..views import catalogues
from .params import OCCUPATION_CODE, PERIOD, PUBLIC_CACHE, REGION, path, query
from .publications import publish, publisher, publishing

CATALOGUE_ID = r"^(in_demand|shortage)\.(national|\d{6})\.20\d{2}(-(Q[1-4]|H[12]))?$"


class CatalogueController(Controller):
    path = "/labour"
    tags = ["labour"]

    @publishing(
        "/catalogues",
        summary="Publish a catalogue of in-demand or shortage occupations (ministry, province)",
        description=(
            "A province's token publishes for its own region (GB/T 2260 code) only. Checks "
            "every entry against the classification (unknown and retired codes are refused, "
            "naming the entry), publishes `skills.labour.catalogue.published`, answers 202 "
            "with a status URL; `Prefer: wait=N` waits for the outcome. A correction is the "
            "next `revision`."
        ),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[CataloguePublished, examples.CATALOGUE],
        principal: PrincipalDep,
        pool: PoolDep,
        bus: BusDep,
    ) -> Response[SubmissionStatus]:
        command = PublishCatalogue(
            catalogue=data, publisher=publisher(principal, "ministry", "province")
        )
        return await publish(request, pool, lambda: publish_catalogue(command, pool=pool, bus=bus))

    @get("/catalogues", summary="Catalogues, newest period first", cache_control=PUBLIC_CACHE)
    async def list_catalogues(
        self,
        pool: PoolDep,
        kind: Annotated[CatalogueKind | None, query("`in_demand` or `shortage`")] = None,
        region: Annotated[
            str | None, query("`national` or a GB/T 2260 province code", pattern=REGION)
        ] = None,
        period: Annotated[
            str | None, query("`2024`, `2024-H1` or `2024-Q3`", pattern=PERIOD)
        ] = None,
        after: Annotated[
            str | None, query("The last catalogue id seen", pattern=CATALOGUE_ID)
        ] = None,
        limit: Annotated[int, query("Page size", ge=1, le=200)] = 50,
    ) -> CataloguePage:
        return await catalogues.list_catalogues(
            pool, kind=kind, region=region, period=period, after=after, limit=limit
        )

    @get(
        "/catalogues/movers",
        summary="What entered, left, rose and fell between two periods",
        cache_control=PUBLIC_CACHE,
    )
    async def movers(
        self,
        pool: PoolDep,
        kind: Annotated[CatalogueKind, query("`in_demand` or `shortage`")],
        from_period: Annotated[str, query("The earlier period", name="from", pattern=PERIOD)],
        to_period: Annotated[str, query("The later period", name="to", pattern=PERIOD)],
        region: Annotated[
            str, query("`national` or a GB/T 2260 province code", pattern=REGION)
        ] = "national",
    ) -> Movers:
        found = await catalogues.catalogue_movers(pool, kind, region, from_period, to_period)
        if found is None:
            raise Problem(
                404,
                "unknown-catalogue",
                "No such catalogue",
                f"no {kind} catalogue for {region} in both {from_period} and {to_period}",
            )
        return found

    @get("/catalogues/{catalogue_id:str}", summary="One catalogue, with each entry's move")
    async def get_catalogue(
        self,
        pool: PoolDep,
        catalogue_id: Annotated[str, path(CATALOGUE_ID, "`<kind>.<region>.<period>`")],
    ) -> Catalogue:
        found = await catalogues.catalogue(pool, catalogue_id)
        if found is None:
            raise Problem(404, "unknown-catalogue", "No such catalogue", catalogue_id)
        return found

    @get(
        "/occupations/{code:str}/demand",
        summary="An occupation's rank in every catalogue series, period by period",
        cache_control=PUBLIC_CACHE,
    )
    async def rank_history(
        self,
        pool: PoolDep,
        code: Annotated[str, path(OCCUPATION_CODE, "Occupation code `X-XX-XX-XX`")],
    ) -> RankHistory:
        found = await catalogues.rank_history(pool, code)
        if found is None:
            raise Problem(404, "unknown-occupation", "No such occupation", code)
        return found
