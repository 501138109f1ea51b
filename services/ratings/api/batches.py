"""HTTP for assessment batches: submission, status and the list of a body's batches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, HeaderParameter, Parameter

from schemas.ratings import (
    AssessmentBatch,
    AssessmentBatchAccepted,
    AssessmentBatchCreate,
    AssessmentBatchPage,
    AssessmentBatchSummary,
    CandidateOutcome,
)
from services.platform.auth import Principal, authorise
from services.platform.bus import EventTooLarge
from services.platform.deps import BusDep, PoolDep, PrincipalDep, SettingsDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.safe_input import decodable
from services.platform.submissions import MAX_WAIT, preferred_wait, wait_for

from .. import examples, store, views
from ..domain import MAX_BATCH
from ..handlers.batches import (
    BatchIdReused,
    BatchRefused,
    SubmitAssessmentBatch,
    check_same_batch,
    submit_assessment_batch,
)


def _status_url(batch_id: str) -> str:
    return f"/assessment-batches/{batch_id}"


def _for_body(principal: Principal, body_id: str) -> None:
    """Ministry sees every body; an evaluation body only itself."""
    authorise(principal, "ministry", "evaluation_body")
    if principal.role == "evaluation_body":
        authorise(principal, "evaluation_body", organisation=body_id)


class AssessmentBatchController(Controller):
    path = "/assessment-batches"
    tags = ["ratings"]

    @post(
        "/",
        summary="Submit an assessment batch",
        description=(
            f"Evaluation-body token, for its own body. Up to {MAX_BATCH} candidates. Every bad "
            "candidate is reported (422, `errors[].index` and `field`); a valid batch is "
            "published and answered 202 with its status URL. `Prefer: wait=N` waits up to N "
            f"seconds (at most {MAX_WAIT:g}) for the outcome. The batch id is an idempotency "
            "key: the same content again is harmless, other content under it is a 409."
        ),
        status_code=202,
        security=[{"BearerToken": []}],
        responses=problem_responses(409, 422),
    )
    async def submit(
        self,
        data: Annotated[AssessmentBatchCreate, examples.BATCH],
        principal: PrincipalDep,
        pool: PoolDep,
        bus: BusDep,
        settings: SettingsDep,
        prefer: Annotated[str | None, HeaderParameter(name="Prefer", required=False)] = None,
    ) -> Response[Any]:
        authorise(principal, "evaluation_body", organisation=data.body_id)
        command = SubmitAssessmentBatch(batch=data, actor=principal.actor)
        try:
            submitted = await submit_assessment_batch(
                command, pool=pool, bus=bus, id_key=settings.id_hash_key.encode()
            )
        except BatchRefused as exc:
            raise Problem(422, exc.problem, exc.title, exc.detail, errors=exc.errors) from exc
        except BatchIdReused as exc:
            raise _reused(exc) from exc
        except EventTooLarge as exc:
            raise Problem(
                413, "batch-too-large", "Batch too large for one event", str(exc)
            ) from exc
        if submitted.already_applied:
            known = await store.batch_header(pool, data.batch_id)
            assert known is not None  # applied batches stay
            return Response(await _batch_view(pool, known, None, 1000), status_code=200)
        url = _status_url(data.batch_id)
        wait = preferred_wait(prefer)
        if wait:
            applied = await wait_for(
                lambda: store.batch_header(pool, data.batch_id), lambda h: h is not None, wait
            )
            if applied is not None:
                try:  # applied meanwhile, under the same id, from another submission
                    check_same_batch(data.batch_id, applied["content_hash"], submitted.content_hash)
                except BatchIdReused as exc:
                    raise _reused(exc) from exc
                view = await _batch_view(pool, applied, None, 1000)
                return Response(
                    view, status_code=200, headers={"Preference-Applied": f"wait={wait:g}"}
                )
        accepted = AssessmentBatchAccepted(
            batch_id=data.batch_id, status="submitted", status_url=url
        )
        return Response(accepted, status_code=202, headers={"Location": url})

    @get(
        "/",
        summary="Applied batches, newest first (a body sees its own; ministry filters by body)",
        security=[{"BearerToken": []}],
    )
    async def list_batches(
        self,
        principal: PrincipalDep,
        pool: PoolDep,
        body_id: Annotated[str | None, Parameter(required=False, max_length=100)] = None,
        after: Annotated[
            str | None,
            Parameter(
                pattern=r"^[0-9T:.+\-]{10,40}\|[A-Za-z0-9._:\-]{1,100}$",
                required=False,
                description="`next_after` of the last page",
            ),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> AssessmentBatchPage:
        authorise(principal, "ministry", "evaluation_body")
        if principal.role == "evaluation_body":
            body_id = body_id or principal.organisation
            _for_body(principal, body_id)
        cursor = _cursor(after) if after else None
        rows = await views.list_batches(pool, body_id, cursor, limit + 1)
        items = [
            AssessmentBatchSummary(
                batch_id=r["batch_id"],
                body_id=r["body_id"],
                exam_date=r["exam_date"],
                applied_at=r["applied_at"],
                candidates=r["candidates"],
                passed=r["passed"],
                failed=r["failed"],
                refused=r["refused"],
                status_url=_status_url(r["batch_id"]),
            )
            for r in rows[:limit]
        ]
        last = rows[limit - 1] if len(rows) > limit else None
        more = f"{last['applied_at'].isoformat()}|{last['batch_id']}" if last else None
        return AssessmentBatchPage(items=items, next_after=more)

    @get(
        "/{batch_id:str}",
        summary="Status, counts and per-candidate outcomes of a batch",
        security=[{"BearerToken": []}],
    )
    async def status(
        self,
        batch_id: FromPath[str],
        principal: PrincipalDep,
        pool: PoolDep,
        after: Annotated[int | None, Parameter(ge=-1, le=MAX_BATCH, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_BATCH)] = 1000,
    ) -> AssessmentBatch:
        authorise(principal, "ministry", "evaluation_body")
        header = await store.batch_header(pool, batch_id)
        if header is None:
            refused = await views.refused_batch(pool, batch_id)
            if refused is not None:
                _for_body(principal, body_of(refused["payload"]) or "")
                raise Problem(
                    422,
                    "batch-refused",
                    "The batch was refused when applied",
                    refused["reason"],
                    refused_at=refused["created_at"].isoformat(),
                )
            raise Problem(
                404,
                "batch-not-found",
                "No such batch (yet)",
                f"batch {batch_id} is not known; a batch just submitted shows here once applied",
            )
        _for_body(principal, header["body_id"])
        return await _batch_view(pool, header, after, limit)


def _cursor(after: str) -> tuple[datetime, str]:
    stamp, _, batch_id = after.partition("|")
    try:
        return datetime.fromisoformat(stamp), batch_id
    except ValueError as exc:
        raise Problem(
            400,
            "bad-cursor",
            "Not a page cursor",
            "pass the `next_after` of the previous page unchanged",
            errors=[field_error("after", "not a cursor from this list")],
        ) from exc


def _reused(exc: BatchIdReused) -> Problem:
    return Problem(409, "batch-id-reused", "Batch id already used with other content", str(exc))


async def _batch_view(
    pool: Any, header: asyncpg.Record, after: int | None, limit: int
) -> AssessmentBatch:
    entries = await views.batch_outcomes(pool, header["batch_id"])
    start = 0 if after is None else max(after + 1, 0)
    page = entries[start : start + limit]
    more = start + limit < len(entries)
    return AssessmentBatch(
        batch_id=header["batch_id"],
        body_id=header["body_id"],
        exam_date=header["exam_date"],
        status="applied",
        applied_at=header["applied_at"],
        candidates=header["candidates"],
        passed=header["passed"],
        failed=header["failed"],
        refused=header["refused"],
        outcomes=[
            CandidateOutcome(
                index=e.index,
                name=e.name,
                id_last4=e.id_last4,
                occupation_code=e.occupation_code,
                level=e.level,
                outcome=e.outcome,
                reason=e.reason,
                certificate_number=e.certificate_number,
            )
            for e in page
        ],
        next_after=page[-1].index if more and page else None,
    )


class _Envelope(msgspec.Struct):
    data: _BodyOf


class _BodyOf(msgspec.Struct):
    body_id: str = ""


def body_of(payload: bytes) -> str | None:
    """The body a refused batch was submitted for (its dead letter keeps the message as bytes);
    None when the message was never readable."""
    if not decodable(payload):
        return None
    try:
        return msgspec.json.decode(payload, type=_Envelope).data.body_id or None
    except msgspec.DecodeError:
        return None
