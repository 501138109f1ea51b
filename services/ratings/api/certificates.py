"""HTTP for certificates: public verification, revocation, a person's rating history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

import asyncpg
from litestar import Controller, get, post
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.params import FromPath, Parameter
from litestar.types import ASGIApp, Receive, Scope, Send

from schemas.ratings import (
    CertificateVerification,
    IssuingBody,
    RatingRecord,
    RatingsHistory,
    RatingsHistoryRequest,
    RevocationCreate,
    VerifyItem,
    VerifyRequest,
    VerifyResponse,
    VerifyResult,
)
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep, SettingsDep
from services.platform.errors import Problem, field_error
from services.platform.national_ids import normalise_id, person_ref, resident_id_problem
from services.platform.openapi import problem_responses
from services.platform.proxies import rate_limit_key

from .. import examples, views
from ..domain import (
    MAX_VERIFY,
    certificate_number_problem,
    malformed_numbers,
    mask_name,
    same_name,
)
from ..handlers import today
from ..handlers.certificates import AlreadyRevoked, RevokeCertificate, revoke_certificate


class VerifyRateLimit:
    """Litestar's rate limit on the public verification routes, at the rate the serving app's
    settings give (`SKILLSREG_VERIFY_RATE_PER_MINUTE`), read when the first request arrives:
    route middleware is built before any runtime exists. 0 turns the limit off (the benchmark
    does: Litestar keeps every request time of the window per client, so a limit far above real
    traffic costs more per request the more it allows)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._by_app: dict[int, ASGIApp] = {}  # one per app: tests run several in a process

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        litestar_app = scope["litestar_app"]
        limited = self._by_app.get(id(litestar_app))
        if limited is None:
            rate = litestar_app.state["runtime"].settings.verify_rate_per_minute
            limited = self._by_app[id(litestar_app)] = (
                RateLimitMiddleware(self.app, verify_limit(rate)) if rate > 0 else self.app
            )
        await limited(scope, receive, send)


def verify_limit(per_minute: int) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        store="ratings_verify_rate",
        # The client behind a trusted proxy, else the peer (services.platform.proxies).
        identifier_for_request=rate_limit_key,
        set_rate_limit_headers=True,  # RateLimit-Reset becomes the 429's Retry-After
    )


VERIFY_LIMITED = [VerifyRateLimit]


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


# The two public verifications, shared by the routes and their fast path (verification.py),
# which reads the rows through views.CertificateReads.
RowsByNumber = Callable[[list[str]], Awaitable[dict[str, asyncpg.Record]]]


async def verify_number(
    rows: RowsByNumber, number: str, name: str | None
) -> CertificateVerification:
    _require_number(number)
    row = (await rows([number])).get(number)
    if row is None or (name and not same_name(name, row["name"])):
        raise Problem(404, "certificate-not-found", "No such certificate", number)
    return _verification(row)


async def verify_numbers(rows: RowsByNumber, items: list[VerifyItem]) -> VerifyResponse:
    if not items or len(items) > MAX_VERIFY:
        raise Problem(
            422,
            "verify-size",
            "Too many certificates in one request",
            f"send 1 to {MAX_VERIFY} items; got {len(items)}",
            errors=[field_error("items", f"1 to {MAX_VERIFY} items")],
        )
    numbers = [i.number for i in items]
    malformed = malformed_numbers(numbers)
    wellformed = [n for n in numbers if n not in malformed] if malformed else numbers
    found = await rows(wellformed) if wellformed else {}
    results = []
    for item in items:
        row = found.get(item.number)
        if item.number in malformed:
            results.append(VerifyResult(number=item.number, status="malformed"))
        elif row is None or (item.name and not same_name(item.name, row["name"])):
            results.append(VerifyResult(number=item.number, status="not_found"))
        else:
            view = _verification(row)
            results.append(VerifyResult(number=item.number, status=view.status, certificate=view))
    return VerifyResponse(results=results)


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
        return await verify_number(partial(views.certificates_by_number, pool), number, name)

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
        return await verify_numbers(partial(views.certificates_by_number, pool), data.items)

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
        rows = await views.certificates(pool, [number])
        if not rows:
            raise Problem(404, "certificate-not-found", "No such certificate", number)
        if principal.role == "evaluation_body":
            authorise(principal, "evaluation_body", organisation=rows[0]["body_id"])
        command = RevokeCertificate(number=number, reason=data.reason, actor=principal.actor)
        try:
            await revoke_certificate(command, pool=pool)
        except AlreadyRevoked as exc:
            raise Problem(409, "already-revoked", "Certificate already revoked", number) from exc
        return _verification((await views.certificates(pool, [number]))[0])


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
        rows = await views.person_certificates(pool, person, body)
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
