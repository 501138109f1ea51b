"""HTTP for evaluation bodies and their authorisations (the writes: `handlers.bodies`)."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, post
from litestar.params import FromPath, Parameter

from schemas.ratings import (
    Authorisation,
    AuthorisationCreate,
    EvaluationBody,
    EvaluationBodyCreate,
    EvaluationBodyPage,
)
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem
from services.platform.openapi import problem_responses

from .. import examples, store, views
from ..handlers.bodies import (
    AuthorisationRefused,
    AuthoriseBody,
    BodyExists,
    BodyNotFound,
    RegisterBody,
    authorise_body,
    register_body,
)


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
        try:
            registered = await register_body(
                RegisterBody(body=data, actor=principal.actor), pool=pool
            )
        except BodyExists as exc:
            raise Problem(409, "body-exists", "Body already registered", str(exc)) from exc
        row = await store.get_body(pool, data.body_id)
        assert row is not None
        authorisations = await views.authorisations(pool, data.body_id)
        status = 201 if registered.created else 200  # 200: the same registration again
        return Response(_body(row, authorisations), status_code=status)

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
        rows = await views.list_bodies(pool, after, limit + 1)
        page = rows[:limit]
        granted = await views.authorisations_of(pool, [r["body_id"] for r in page])
        items = [_body(r, granted.get(r["body_id"], [])) for r in page]
        more = len(rows) > limit
        return EvaluationBodyPage(items=items, next_after=items[-1].body_id if more else None)

    @get("/{body_id:str}", summary="One evaluation body with its authorisations (public)")
    async def get_body(self, body_id: FromPath[str], pool: PoolDep) -> EvaluationBody:
        row = await store.get_body(pool, body_id)
        if row is None:
            raise Problem(404, "body-not-found", "No such evaluation body", body_id)
        return _body(row, await views.authorisations(pool, body_id))

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
        command = AuthoriseBody(body_id=body_id, authorisation=data, actor=principal.actor)
        try:
            return await authorise_body(command, pool=pool)
        except BodyNotFound as exc:
            raise Problem(404, "body-not-found", "No such evaluation body", body_id) from exc
        except AuthorisationRefused as exc:
            raise Problem(
                422, "invalid-authorisation", "Authorisation refused", errors=exc.errors
            ) from exc
