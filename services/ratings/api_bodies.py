"""HTTP for evaluation bodies and their authorisations.

Registering and authorising are ministry/admin writes straight into the ratings schema, each in
one transaction with its `body.registered` / `body.authorised` event in the outbox: they are
rare, must be visible at once to the next submission's checks, and no other context feeds them.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, post
from litestar.params import FromPath, Parameter

from schemas.ratings import (
    TOP_GRADES,
    Authorisation,
    AuthorisationCreate,
    EvaluationBody,
    EvaluationBodyCreate,
    EvaluationBodyPage,
)
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.outbox import Outbox

from . import examples, store
from .handlers import SCHEMA, announce_authorisation, announce_body


def _authorisation(row: asyncpg.Record) -> Authorisation:
    return Authorisation(
        authorisation_id=row["authorisation_id"],
        occupation_code=row["occupation_code"],
        levels=row["levels"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def _body(row: asyncpg.Record, authorisations: list[asyncpg.Record]) -> EvaluationBody:
    return EvaluationBody(
        body_id=row["body_id"],
        body_no=row["body_no"],
        name=row["name"],
        kind=row["kind"],
        province=row["province"],
        authorisations=[_authorisation(a) for a in authorisations],
    )


class EvaluationBodyController(Controller):
    path = "/evaluation-bodies"
    tags = ["ratings"]

    @post(
        "/",
        summary="Register an evaluation body (ministry)",
        status_code=201,
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def register(
        self,
        data: Annotated[EvaluationBodyCreate, examples.BODY],
        principal: PrincipalDep,
        pool: PoolDep,
    ) -> Response[EvaluationBody]:
        authorise(principal, "ministry")
        async with pool.acquire() as conn, conn.transaction():
            row = await store.insert_body(
                conn, data.body_id, data.name, data.kind, principal.actor, data.province
            )
            if row is None:
                existing = await store.get_body(conn, data.body_id)
                assert existing is not None
                registered = (existing["name"], existing["kind"], existing["province"])
                if registered != (data.name, data.kind, data.province):
                    raise Problem(
                        409,
                        "body-exists",
                        "Body already registered",
                        f"{data.body_id} is registered as {existing['kind']} {existing['name']!r}"
                        f" in province {existing['province'] or 'none'}",
                    )
                known = _body(existing, await store.authorisations(conn, data.body_id))
                return Response(known, status_code=200)  # the same registration again
            await announce_body(conn, Outbox(SCHEMA), row, principal.actor)
        return Response(_body(row, []), status_code=201)

    @get("/", summary="Evaluation bodies with their authorisations, by id (public)")
    async def list_bodies(
        self,
        pool: PoolDep,
        after: Annotated[
            str | None,
            Parameter(
                pattern=r"^[A-Za-z0-9._:\-]{1,100}$", required=False, description="Last id seen"
            ),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> EvaluationBodyPage:
        rows = await store.list_bodies(pool, after, limit + 1)
        page = rows[:limit]
        granted = await store.authorisations_of(pool, [r["body_id"] for r in page])
        items = [_body(r, granted.get(r["body_id"], [])) for r in page]
        more = len(rows) > limit
        return EvaluationBodyPage(items=items, next_after=items[-1].body_id if more else None)

    @get("/{body_id:str}", summary="One evaluation body with its authorisations (public)")
    async def get_body(self, body_id: FromPath[str], pool: PoolDep) -> EvaluationBody:
        row = await store.get_body(pool, body_id)
        if row is None:
            raise Problem(404, "body-not-found", "No such evaluation body", body_id)
        return _body(row, await store.authorisations(pool, body_id))

    @post(
        "/{body_id:str}/authorisations",
        summary="Authorise a body for an occupation and levels over a period (ministry)",
        status_code=201,
        security=[{"BearerToken": []}],
        responses=problem_responses(422),
    )
    async def authorise_body(
        self,
        body_id: FromPath[str],
        data: Annotated[AuthorisationCreate, examples.AUTHORISATION],
        principal: PrincipalDep,
        pool: PoolDep,
    ) -> Authorisation:
        authorise(principal, "ministry")
        body = await store.get_body(pool, body_id)
        if body is None:
            raise Problem(404, "body-not-found", "No such evaluation body", body_id)
        errors = []
        if body["kind"] == "competition":
            errors.append(field_error("body_id", "competition bodies issue grants only"))
        top = sorted(set(data.levels) & TOP_GRADES)
        if top and body["kind"] != "enterprise":
            errors.append(field_error("levels", f"{', '.join(top)}: enterprise bodies only"))
        if data.valid_to is not None and data.valid_to < data.valid_from:
            errors.append(field_error("valid_to", "must not be before valid_from"))
        status = (await store.occupation_statuses(pool, [data.occupation_code])).get(
            data.occupation_code
        )
        if status != "active":
            reason = "is retired" if status else "is not a known occupation"
            errors.append(field_error("occupation_code", f"{data.occupation_code} {reason}"))
        if errors:
            raise Problem(422, "invalid-authorisation", "Authorisation refused", errors=errors)
        levels = sorted(set(data.levels), key=lambda lv: data.levels.index(lv))
        async with pool.acquire() as conn, conn.transaction():
            authorisation_id = await store.insert_authorisation(
                conn,
                body_id,
                data.occupation_code,
                list(levels),
                data.valid_from,
                data.valid_to,
                principal.actor,
            )
            granted = Authorisation(
                authorisation_id=authorisation_id,
                occupation_code=data.occupation_code,
                levels=list(levels),
                valid_from=data.valid_from,
                valid_to=data.valid_to,
            )
            await announce_authorisation(conn, Outbox(SCHEMA), body_id, granted, principal.actor)
        return granted
