"""Pages over the occupation catalogue: home, browser and search, one occupation, releases."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter, PathParameter
from litestar.response import Response

from schemas.competitions import CompetitionPage
from schemas.occupations import (
    OccupationDetail,
    OccupationHistory,
    OccupationPage,
    OccupationStats,
)
from services.platform.public_api import ApiError

from .competition_pages import notes_of
from .labour_pages import occupation_labour
from .render import api, error_page, page, refused_field, serves

CODE_PREFIX = re.compile(r"^[1-8](-\d{0,2}){0,3}$")
PAGE_SIZE = 50

AnyRequest = Request[Any, Any, Any]


class OccupationPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: AnyRequest) -> Response[str]:
        async with api(request) as public:
            stats = await public.get("/occupations/stats", OccupationStats)
            groups = await public.get("/occupations", OccupationPage, {"level": 1, "limit": 8})
            latest = CompetitionPage(items=[])
            if serves(request, "/competitions"):
                latest = await public.get("/competitions", CompetitionPage, {"limit": 5})
        return page(
            request,
            "home.html",
            stats=stats,
            groups=groups.items,
            competitions=latest.items,
            notes=notes_of(latest),
        )

    @get("/occupations")
    async def browse(
        self,
        request: AnyRequest,
        q: Annotated[str, Parameter(max_length=100)] = "",
        level: Annotated[str, Parameter(max_length=1)] = "",
        tag: Annotated[str, Parameter(max_length=10)] = "",
        after: Annotated[str, Parameter(max_length=20)] = "",
    ) -> Response[str]:
        q = q.strip()
        params: dict[str, Any] = {"limit": PAGE_SIZE, "after": after, "tag": tag}
        if q and CODE_PREFIX.match(q):
            params["prefix"] = q.rstrip("-")
        elif q:
            params["q"] = q
        params["level"] = level or (None if q or tag else "1")
        problem: dict[str, Any] | None = None
        async with api(request) as public:
            try:
                found = await public.get("/occupations", OccupationPage, params)
            except ApiError as exc:
                if exc.status != 400:
                    raise
                found, problem = OccupationPage(items=[]), exc.problem
            browsing = not (q or tag or level or after)  # the catalogue's first page
            stats = await public.get("/occupations/stats", OccupationStats) if browsing else None
        return page(
            request,
            "occupations.html",
            status=400 if problem else 200,
            q=q,
            level=level,
            tag=tag,
            found=found,
            problem=problem,
            history=stats.history if stats else [],
            problem_field=refused_field(problem) if problem else None,
        )

    @get("/occupations/{code:str}")
    async def occupation(
        self, request: AnyRequest, code: Annotated[str, PathParameter(max_length=20)]
    ) -> Response[str]:
        async with api(request) as public:
            try:
                detail = await public.find(f"/occupations/{code}", OccupationDetail)
            except ApiError as exc:
                if exc.status != 400:
                    raise
                return error_page(request, 400, sentence="bad_occupation_code")
            if detail is None:
                return error_page(request, 404)
            history = None
            if serves(request, "/occupations/{code:str}/history"):
                history = await public.find(f"/occupations/{code}/history", OccupationHistory)
            labour = await occupation_labour(request, public, detail.occupation.code)
        return page(request, "occupation.html", detail=detail, history=history, labour=labour)
