"""HTTP for releases: ministry staff submit them; anyone reads them; staff see dead letters."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter, PathParameter

from schemas.limits import INT64_MAX
from schemas.occupations import (
    RELEASE_ITEM_LIMIT,
    ReleaseId,
    ReleasePage,
    ReleasePublished,
    ReleaseStatus,
)
from services.platform.auth import authorise
from services.platform.bus import EventTooLarge
from services.platform.db import Pool
from services.platform.deps import BusDep, PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error
from services.platform.submissions import preferred_wait, wait_for

from ..handlers import (
    ReleaseConflict,
    ReleaseInvalid,
    ReleaseTooLarge,
    SubmitRelease,
    release_status,
    status_url,
    submit_release,
    summary_of,
)
from ..views import occupations as views

RELEASE_EXAMPLE = Example(
    summary="One new occupation with a work type, a rename and a retirement (invented)",
    value={
        "release_id": "example-2025",
        "title": "Example batch (invented)",
        "published_on": "2025-06-01",
        "kind": "new-occupations",
        "items": [
            {
                "code": "4-04-05-90",
                "level": 4,
                "name_zh": "示例职业（演示）",
                "name_en": "Example occupation (demo)",
                "tags": ["digital"],
                "aliases": [],
            }
        ],
        "amendments": [{"code": "4-04-05-01", "name_en": "Computer programmer"}],
        "retirements": [{"code": "4-04-05-02", "reason": "merged (example)"}],
        "work_types": [
            {
                "code": "4-04-05-90-01",
                "name_zh": "示例工种（演示）",
                "name_en": "Example work type (demo)",
                "invented": ["code", "name"],
            }
        ],
    },
)


async def wait_for_outcome(pool: Pool, release_id: str, seconds: float) -> ReleaseStatus | None:
    return await wait_for(
        lambda: release_status(pool, release_id),
        lambda status: status is None or status.status != "pending",
        seconds,
    )


class ReleaseController(Controller):
    path = "/releases"
    tags = ["releases"]

    @post(
        "/",
        summary="Publish a release (ministry)",
        description=(
            "Validates the whole release against the current catalogue, publishes "
            "`skills.occupations.release.published` and answers 202 with a status URL. "
            f"At most {RELEASE_ITEM_LIMIT} entries (occupations and work types added, amended, "
            "retired). A `kind: proposal` (public-comment draft) is kept but changes nothing; "
            "the final release names it in `supersedes`. "
            "`Prefer: wait=N` waits up to N seconds (max 30) for the outcome."
        ),
        security=[{"BearerToken": []}],
        status_code=202,
    )
    async def publish_release(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[ReleasePublished, Body(examples=[RELEASE_EXAMPLE])],
        principal: PrincipalDep,
        pool: PoolDep,
        bus: BusDep,
    ) -> Response[ReleaseStatus]:
        authorise(principal, "ministry")
        url = status_url(data.release_id)
        try:
            command = SubmitRelease(
                release=data, actor=principal.actor, source="/occupations/releases"
            )
            submitted = await submit_release(command, pool=pool, bus=bus)
        except ReleaseTooLarge as exc:
            raise Problem(413, "release-too-large", "Release too large", str(exc)) from exc
        except EventTooLarge as exc:
            raise Problem(
                413, "release-too-large", "Release too large", f"{exc}; split the release"
            ) from exc
        except ReleaseConflict as exc:
            raise Problem(409, "release-conflict", "Release id already used", str(exc)) from exc
        except ReleaseInvalid as exc:
            raise Problem(
                422,
                "invalid-release",
                "The release does not fit the catalogue",
                f"{len(exc.issues)} problem(s); nothing was published",
                errors=[field_error(where, what) for where, what in exc.issues],
            ) from exc
        headers = {"Location": url}
        if submitted.already_applied:
            body = ReleaseStatus(
                release_id=data.release_id,
                status="already applied",
                status_url=url,
                detail="this release was already applied with identical content; nothing to do",
            )
            return Response(body, status_code=200, headers=headers)
        wait = preferred_wait(request.headers.get("prefer"))
        status = await wait_for_outcome(pool, data.release_id, wait) if wait else None
        if wait:
            headers["Preference-Applied"] = f"wait={wait:g}"
        if status is None or status.status == "pending":
            body = status or ReleaseStatus(
                release_id=data.release_id, status="pending", status_url=url
            )
            return Response(body, status_code=202, headers=headers)
        return Response(
            status, status_code=201 if status.status == "applied" else 200, headers=headers
        )

    @get("/", summary="Applied releases, oldest first (keyset on revision)")
    async def list_releases(
        self,
        pool: PoolDep,
        after: Annotated[int | None, Parameter(ge=0, le=INT64_MAX, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> ReleasePage:
        rows = await views.list_releases(pool, after=after, limit=limit + 1)
        items = [summary_of(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return ReleasePage(items=items)
        last = items[-1].revision
        return ReleasePage(
            items=items, next_after=last, next=f"/releases?after={last}&limit={limit}"
        )

    @get("/{release_id:str}", summary="A release: status, counts and its changes")
    async def get_release(
        self, pool: PoolDep, release_id: Annotated[str, PathParameter(description="Release id")]
    ) -> ReleaseStatus:
        require_release_id(release_id)
        status = await release_status(pool, release_id)
        if status is None:
            raise Problem(404, "unknown-release", "Unknown release", f"no release {release_id}")
        return status


def require_release_id(release_id: str) -> None:
    try:
        msgspec.convert(release_id, ReleaseId)
    except msgspec.ValidationError as exc:
        raise Problem(
            400,
            "invalid-release-id",
            "Not a release id",
            f"{release_id!r}: lower-case letters, digits, '.' and '-', 3 to 64 characters",
            errors=[field_error("release_id", str(exc))],
        ) from exc
