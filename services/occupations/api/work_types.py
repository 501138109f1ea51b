"""HTTP reads of work types (工种), the level below an occupation (public: no token)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import Parameter, PathParameter

from schemas.occupations import (
    WorkType,
    WorkTypeDetail,
    WorkTypeHistory,
    WorkTypePage,
)
from services.platform.deps import PoolDep
from services.platform.errors import Problem, field_error

from ..domain.work_types import WORK_TYPE_FIELDS, occupation_of
from ..views import occupations as views
from ..views import work_types as work_type_views
from .occupations import history_entries, require_code, to_ref
from .releases import require_release_id

WORK_TYPE_PATTERN = r"^[1-8](-\d{2}){4}$"
WORK_TYPE = re.compile(WORK_TYPE_PATTERN)
OCCUPATION_PATTERN = r"^[1-8](-\d{2}){3}$"
PAGE = 100


def require_work_type(code: str) -> None:
    if not WORK_TYPE.match(code):
        raise Problem(
            400,
            "invalid-code",
            "Not a work-type code",
            f"{code[:40]!r} is not a code of the form X-XX-XX-XX-XX (e.g. 4-07-03-08-91)",
            errors=[field_error("code", "expected X-XX-XX-XX-XX with X in 1-8")],
        )


def unknown(code: str) -> Problem:
    return Problem(404, "unknown-code", "Unknown work type", f"no work type {code}")


class WorkTypeController(Controller):
    path = "/occupations/work-types"
    tags = ["occupations"]

    @get(
        "/",
        summary="List work types (工种), of one occupation or all; `as_of` a release",
        description="Keyset pagination on the code with `after`. `as_of` gives the work types "
        "as they stood once that release had applied, retired ones included.",
    )
    async def list_work_types(
        self,
        pool: PoolDep,
        occupation: Annotated[
            str | None,
            Parameter(
                pattern=OCCUPATION_PATTERN, description="Occupation code X-XX-XX-XX", required=False
            ),
        ] = None,
        as_of: Annotated[
            str | None, Parameter(description="A release id, e.g. `csco-2022`", required=False)
        ] = None,
        after: Annotated[
            str | None,
            Parameter(pattern=WORK_TYPE_PATTERN, description="`next_after`", required=False),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = PAGE,
    ) -> WorkTypePage:
        if as_of is not None:
            require_release_id(as_of)
            release = await views.get_release(pool, as_of)
            if release is None:
                raise Problem(
                    404,
                    "unknown-release",
                    "Unknown release",
                    f"no release {as_of}",
                    errors=[field_error("as_of", "unknown release")],
                )
            rows = await work_type_views.work_types_as_of(
                pool, release["revision"], occupation=occupation, after=after, limit=limit + 1
            )
        else:
            rows = await work_type_views.list_work_types(
                pool, occupation=occupation, after=after, limit=limit + 1
            )
        items = [WorkType(**dict(r)) for r in rows[:limit]]
        if len(rows) <= limit:
            return WorkTypePage(items=items, as_of=as_of)
        last = items[-1].code
        query = {"occupation": occupation, "as_of": as_of, "after": last, "limit": limit}
        link = "/occupations/work-types?" + urlencode({k: v for k, v in query.items() if v})
        return WorkTypePage(items=items, next_after=last, next=link, as_of=as_of)

    @get("/{code:str}", summary="One work type with its occupation")
    async def get_work_type(
        self, pool: PoolDep, code: Annotated[str, PathParameter(description="X-XX-XX-XX-XX")]
    ) -> WorkTypeDetail:
        require_work_type(code)
        row = await work_type_views.get_work_type(pool, code)
        if row is None:
            raise unknown(code)
        require_code(occupation_of(code))
        occupation = await views.get_occupation(pool, occupation_of(code))
        assert occupation is not None  # a work type references its occupation
        return WorkTypeDetail(work_type=WorkType(**dict(row)), occupation=to_ref(occupation))

    @get("/{code:str}/history", summary="Every release that introduced or changed a work type")
    async def history(
        self, pool: PoolDep, code: Annotated[str, PathParameter(description="X-XX-XX-XX-XX")]
    ) -> WorkTypeHistory:
        require_work_type(code)
        rows = await views.history(pool, code, "work_type")
        if not rows:
            raise unknown(code)
        return WorkTypeHistory(code=code, items=history_entries(rows, WORK_TYPE_FIELDS[1:]))
