"""HTTP for assessment batches, certificates (verification, revocation) and person history."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Response, get, post
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, HeaderParameter, Parameter

from schemas.envelope import Event
from schemas.ratings import (
    ASSESSMENT_SUBMITTED,
    CERTIFICATE_REVOKED,
    AssessedCandidate,
    AssessmentBatch,
    AssessmentBatchAccepted,
    AssessmentBatchCreate,
    AssessmentBatchPage,
    AssessmentBatchSummary,
    AssessmentSubmitted,
    CandidateOutcome,
    CertificateRevoked,
    CertificateVerification,
    IssuingBody,
    RatingRecord,
    RatingsHistory,
    RatingsHistoryRequest,
    RevocationCreate,
    VerifyRequest,
    VerifyResponse,
    VerifyResult,
)
from services.platform import outbox
from services.platform.auth import Principal, authorise
from services.platform.bus import EventTooLarge
from services.platform.deps import BusDep, PoolDep, PrincipalDep, SettingsDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.settings import Settings

from . import examples, store
from .domain import (
    MAX_BATCH,
    MAX_VERIFY,
    candidate_problems,
    certificate_number_problem,
    mask_name,
    normalise_id,
    person_ref,
    resident_id_problem,
    same_name,
)
from .handlers import SCHEMA, content_hash, today

# Read once at import: Litestar builds route middleware before any runtime exists. 0 turns the
# limit off (the benchmark does: Litestar keeps every request time of the window per client,
# so a limit far above real traffic costs more per request the more it allows).
_VERIFY_RATE = Settings.from_env().verify_rate_per_minute
VERIFY_LIMITED = (
    [RateLimitConfig(rate_limit=("minute", _VERIFY_RATE), store="ratings_verify_rate").middleware]
    if _VERIFY_RATE > 0
    else []
)
MAX_WAIT = 30.0
_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")


def _status_url(batch_id: str) -> str:
    return f"/assessment-batches/{batch_id}"


def _wait_seconds(prefer: str | None) -> float:
    match = _WAIT.search(prefer or "")
    return min(float(match.group(1)), MAX_WAIT) if match else 0.0


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
        if not data.candidates or len(data.candidates) > MAX_BATCH:
            raise Problem(
                422,
                "batch-size",
                "Batch size out of range",
                f"a batch holds 1 to {MAX_BATCH} candidates; this one has {len(data.candidates)}",
                errors=[field_error("candidates", f"1 to {MAX_BATCH} candidates")],
            )
        body = await store.get_body(pool, data.body_id)
        if body is None or body["kind"] == "competition":
            raise Problem(
                422,
                "unregistered-body",
                "Not a registered evaluation body",
                f"{data.body_id} is not registered; the ministry registers bodies first",
                errors=[field_error("body_id", "not a registered evaluation body")],
            )
        problems = candidate_problems(data.candidates, today())
        if problems:
            raise Problem(
                422,
                "invalid-candidates",
                "Some candidates are not valid",
                f"{len({p['index'] for p in problems})} of {len(data.candidates)} candidates "
                "have problems; nothing was submitted",
                errors=problems,
            )
        key = settings.id_hash_key.encode()
        submission_data = _submission(data, key)
        digest = content_hash(submission_data)
        known = await store.batch_header(pool, data.batch_id)
        if known is not None:
            _same_batch(known, digest)
            return Response(await _batch_view(pool, known, None, 1000), status_code=200)
        event = Event(
            id=f"assessment:{data.batch_id}:{digest[:16]}",
            source="/ratings",
            type=ASSESSMENT_SUBMITTED,
            subject=data.batch_id,
            actor=principal.actor,
            data=submission_data,
        )
        try:
            await bus.publish(event)
        except EventTooLarge as exc:
            raise Problem(
                413, "batch-too-large", "Batch too large for one event", str(exc)
            ) from exc
        url = _status_url(data.batch_id)
        wait = _wait_seconds(prefer)
        if wait:
            applied = await _wait_for_batch(pool, data.batch_id, wait)
            if applied is not None:
                _same_batch(applied, digest)
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
            str | None, Parameter(required=False, description="`next_after` of the last page")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> AssessmentBatchPage:
        authorise(principal, "ministry", "evaluation_body")
        if principal.role == "evaluation_body":
            body_id = body_id or principal.organisation
            _for_body(principal, body_id)
        cursor = _cursor(after) if after else None
        rows = await store.list_batches(pool, body_id, cursor, limit + 1)
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
        after: Annotated[int | None, Parameter(ge=-1, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_BATCH)] = 1000,
    ) -> AssessmentBatch:
        authorise(principal, "ministry", "evaluation_body")
        header = await store.batch_header(pool, batch_id)
        if header is None:
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


def _submission(data: AssessmentBatchCreate, key: bytes) -> AssessmentSubmitted:
    candidates = []
    for c in data.candidates:
        national_id = normalise_id(c.national_id)
        candidates.append(
            AssessedCandidate(
                person=person_ref(national_id, key),
                id_last4=national_id[-4:],
                name=c.name.strip(),
                occupation_code=c.occupation_code,
                level=c.level,  # type: ignore[arg-type]
                theory=float(c.theory or 0.0),
                practical=float(c.practical or 0.0),
                review=c.review,
            )
        )
    return AssessmentSubmitted(
        batch_id=data.batch_id,
        body_id=data.body_id,
        exam_date=data.exam_date,
        candidates=candidates,
    )


def _same_batch(known: asyncpg.Record, digest: str) -> None:
    if known["content_hash"] != digest:
        raise Problem(
            409,
            "batch-id-reused",
            "Batch id already used with other content",
            f"batch {known['batch_id']} was applied with different content; "
            "submit corrections under a new batch id",
        )


async def _wait_for_batch(
    pool: Any, batch_id: FromPath[str], seconds: float
) -> asyncpg.Record | None:
    deadline = time.monotonic() + seconds
    pause = 0.02
    while True:
        header = await store.batch_header(pool, batch_id)
        if header is not None or time.monotonic() >= deadline:
            return header
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, 0.25)


async def _batch_view(
    pool: Any, header: asyncpg.Record, after: int | None, limit: int
) -> AssessmentBatch:
    entries = await store.batch_outcomes(pool, header["batch_id"])
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
                index=e[0],
                name=e[1],
                id_last4=e[2],
                occupation_code=e[3],
                level=e[4],
                outcome=e[8],
                reason=e[9],
                certificate_number=e[10],
            )
            for e in page
        ],
        next_after=page[-1][0] if more and page else None,
    )


# -- certificates -----------------------------------------------------------------------------


def _verification(row: asyncpg.Record) -> CertificateVerification:
    revoked = row["revoked_at"] is not None
    return CertificateVerification(
        number=row["number"],
        status="revoked" if revoked else "valid",
        holder=mask_name(row["name"]),
        occupation_code=row["occupation_code"],
        occupation_name=row["occupation_name"],
        level=row["level"],
        issued_on=row["issued_on"],
        issuing_body=IssuingBody(
            body_id=row["body_id"], name=row["body_name"], kind=row["body_kind"]
        ),
        revoked_on=row["revoked_at"].date() if revoked else None,
        revocation_reason=row["revocation_reason"] if revoked else None,
    )


def _require_number(number: str) -> None:
    problem = certificate_number_problem(number)
    if problem:
        raise Problem(
            400,
            "malformed-certificate-number",
            "Not a certificate number",
            problem,
            errors=[field_error("number", problem)],
        )


class CertificateController(Controller):
    path = "/certificates"
    tags = ["ratings"]

    @get(
        "/{number:str}",
        summary="Verify a certificate (public)",
        description="Valid or revoked, with the holder's name masked; 404 when no certificate "
        "has this number (and, if `name` is given, this holder). Rate-limited per client.",
        middleware=VERIFY_LIMITED,
        responses=problem_responses(429),
    )
    async def verify_one(
        self,
        number: FromPath[str],
        pool: PoolDep,
        name: Annotated[str | None, Parameter(max_length=200, required=False)] = None,
    ) -> CertificateVerification:
        _require_number(number)
        rows = await store.certificates(pool, [number])
        if not rows or (name is not None and not same_name(name, rows[0]["name"])):
            raise Problem(404, "certificate-not-found", "No such certificate", number)
        return _verification(rows[0])

    @post(
        "/verify",
        summary="Verify many certificates (public)",
        description=f"Up to {MAX_VERIFY} numbers, each optionally with the holder's name. "
        "Rate-limited per client.",
        status_code=200,
        middleware=VERIFY_LIMITED,
        responses=problem_responses(422, 429),
    )
    async def verify_many(
        self, data: Annotated[VerifyRequest, examples.VERIFY], pool: PoolDep
    ) -> VerifyResponse:
        if not data.items or len(data.items) > MAX_VERIFY:
            raise Problem(
                422,
                "verify-size",
                "Too many certificates in one request",
                f"send 1 to {MAX_VERIFY} items; got {len(data.items)}",
                errors=[field_error("items", f"1 to {MAX_VERIFY} items")],
            )
        wellformed = [i.number for i in data.items if certificate_number_problem(i.number) is None]
        found = {r["number"]: r for r in await store.certificates(pool, wellformed)}
        results = []
        for item in data.items:
            row = found.get(item.number)
            if certificate_number_problem(item.number):
                results.append(VerifyResult(number=item.number, status="malformed"))
            elif row is None or (item.name is not None and not same_name(item.name, row["name"])):
                results.append(VerifyResult(number=item.number, status="not_found"))
            else:
                view = _verification(row)
                results.append(
                    VerifyResult(number=item.number, status=view.status, certificate=view)
                )
        return VerifyResponse(results=results)

    @post(
        "/{number:str}/revocation",
        summary="Revoke a certificate",
        description="The issuing body's token or a ministry token; emits certificate.revoked.",
        status_code=201,
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def revoke(
        self,
        number: FromPath[str],
        data: Annotated[RevocationCreate, examples.REVOCATION],
        principal: PrincipalDep,
        pool: PoolDep,
    ) -> CertificateVerification:
        _require_number(number)
        authorise(principal, "ministry", "evaluation_body")
        rows = await store.certificates(pool, [number])
        if not rows:
            raise Problem(404, "certificate-not-found", "No such certificate", number)
        if principal.role == "evaluation_body":
            authorise(principal, "evaluation_body", organisation=rows[0]["body_id"])
        async with pool.acquire() as conn, conn.transaction():
            revoked = await store.revoke(conn, number, data.reason, principal.actor)
            if revoked is None:
                raise Problem(409, "already-revoked", "Certificate already revoked", number)
            await outbox.enqueue(
                conn,
                SCHEMA,
                Event(
                    id=f"revoked:{number}",
                    source="/ratings",
                    type=CERTIFICATE_REVOKED,
                    subject=number,
                    actor=principal.actor,
                    data=CertificateRevoked(
                        number=number,
                        body_id=revoked["body_id"],
                        reason=data.reason,
                        revoked_at=revoked["revoked_at"],
                        revoked_by=principal.actor,
                    ),
                ),
            )
        return _verification((await store.certificates(pool, [number]))[0])


class PeopleController(Controller):
    path = "/people"
    tags = ["ratings"]

    @post(
        "/ratings-history",
        summary="Every rating of one person (ministry; a body sees its own certificates)",
        description="The national ID travels in the body, never in a URL; it is looked up by "
        "its keyed hash.",
        status_code=200,
        security=[{"BearerToken": []}],
        responses=problem_responses(422),
    )
    async def history(
        self,
        data: Annotated[RatingsHistoryRequest, examples.HISTORY],
        principal: PrincipalDep,
        pool: PoolDep,
        settings: SettingsDep,
    ) -> RatingsHistory:
        authorise(principal, "ministry", "evaluation_body")
        national_id = normalise_id(data.national_id)
        problem = resident_id_problem(national_id, today())
        if problem:
            raise Problem(
                422,
                "invalid-national-id",
                "Not a valid resident ID",
                problem,
                errors=[field_error("national_id", problem)],
            )
        body = principal.organisation if principal.role == "evaluation_body" else None
        person = person_ref(national_id, settings.id_hash_key.encode())
        rows = await store.person_certificates(pool, person, body)
        return RatingsHistory(
            id_last4=national_id[-4:],
            ratings=[
                RatingRecord(
                    number=r["number"],
                    status="revoked" if r["revoked_at"] else "valid",
                    name=r["name"],
                    id_last4=r["id_last4"],
                    occupation_code=r["occupation_code"],
                    occupation_name=r["occupation_name"],
                    level=r["level"],
                    issued_on=r["issued_on"],
                    issuing_body=IssuingBody(
                        body_id=r["body_id"], name=r["body_name"], kind=r["body_kind"]
                    ),
                    origin=r["origin"],
                    origin_id=r["origin_id"],
                )
                for r in rows
            ],
        )
