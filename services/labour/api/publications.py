"""What every publishing endpoint shares: who may publish, 202 + status URL or the outcome
(`Prefer: wait=N`), domain errors as problem details; and where a submission stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter

from schemas.labour import SubmissionState, SubmissionStatus
from services.platform.auth import Principal, authorise
from services.platform.bus import EventTooLarge
from services.platform.db import Pool
from services.platform.deps import PoolDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.submissions import preferred_wait, wait_for

from ..handlers import (
    KINDS,
    OutOfScope,
    PublicationConflict,
    PublicationInvalid,
    Publisher,
    Submitted,
    status_url,
)
from ..views.submissions import submission_status

PUBLISHED = problem_responses(409, 413, 422)
SUBMISSION_ID = r"^(catalogue|pay|package):[A-Za-z0-9._:\-]{1,180}$"


def publishing(path: str, *, summary: str, description: str) -> post:
    """The route decorator every publishing endpoint shares: a token, 202, its problems."""
    return post(
        path,
        summary=summary,
        description=description,
        security=[{"BearerToken": []}],
        status_code=202,
        responses=PUBLISHED,
    )


def publisher(principal: Principal, *roles: str) -> Publisher:
    """The ministry publishes for any region, a province's token for its own only."""
    authorise(principal, *roles)
    region = principal.organisation if principal.role == "province" else None
    return Publisher(actor=principal.actor, region=region)


async def publish(
    request: Request[Any, Any, Any], pool: Pool, submit: Callable[[], Awaitable[Submitted]]
) -> Response[SubmissionStatus]:
    """Run a publish command and answer as every submission does."""
    try:
        submitted = await submit()
    except OutOfScope as exc:
        raise Problem(403, "out-of-region", "Not this token's region", str(exc)) from exc
    except PublicationConflict as exc:
        raise Problem(
            409, "publication-conflict", "Conflicts with what is published", str(exc)
        ) from exc
    except PublicationInvalid as exc:
        raise Problem(
            422,
            "invalid-publication",
            "The publication does not fit the classification",
            f"{len(exc.issues)} problem(s); nothing was published",
            errors=[field_error(i.field, i.message) for i in exc.issues],
        ) from exc
    except EventTooLarge as exc:
        raise Problem(413, "publication-too-large", "Publication too large", str(exc)) from exc
    resource = KINDS[submitted.what].resource(submitted.key)
    if submitted.already_applied:
        detail = "this revision was already applied with identical content; nothing to do"
        body = _status(submitted, "already applied", resource, resource, detail)
        return Response(body, status_code=200, headers={"Location": resource})
    url = status_url(submitted.submission_id)
    headers = {"Location": url}
    wait = preferred_wait(request.headers.get("prefer"))
    status = None
    if wait:
        headers["Preference-Applied"] = f"wait={wait:g}"
        status = await wait_for(
            lambda: submission_status(pool, submitted.submission_id),
            lambda s: s is None or s.status != "pending",
            wait,
        )
    if status is None or status.status == "pending":
        body = status or _status(submitted, "pending", url, resource, "")
        return Response(body, status_code=202, headers=headers)
    return Response(status, status_code=201 if status.status == "applied" else 200, headers=headers)


def _status(
    submitted: Submitted, state: SubmissionState, url: str, resource: str, detail: str
) -> SubmissionStatus:
    return SubmissionStatus(
        submission_id=submitted.submission_id,
        what=submitted.what,
        key=submitted.key,
        revision=submitted.revision,
        status=state,
        status_url=url,
        resource_url=resource,
        detail=detail,
    )


class PublicationController(Controller):
    path = "/labour/submissions"
    tags = ["labour"]

    @get("/{submission_id:str}", summary="Where a submitted publication stands")
    async def submission(
        self,
        pool: PoolDep,
        submission_id: Annotated[str, PathParameter(max_length=200, pattern=SUBMISSION_ID)],
    ) -> SubmissionStatus:
        status = await submission_status(pool, submission_id)
        if status is None:
            raise Problem(404, "unknown-submission", "Unknown submission", submission_id)
        return status
