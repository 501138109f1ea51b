"""Rating policies: which results of a competition grant which rating (ministry)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, put
from litestar.params import FromPath

from schemas.competitions import RatingPolicy
from schemas.ratings import TOP_GRADES
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem, field_error
from services.platform.outbox import Outbox

from . import examples, handlers, store
from .shapes import competition_or_404


class RatingPolicyController(Controller):
    path = "/competitions"
    tags = ["competitions"]

    @put(
        "/{code:str}/rating-policy",
        summary="Set which results grant which rating (ministry)",
        security=[{"BearerToken": []}],
    )
    async def set_rating_policy(
        self,
        pool: PoolDep,
        principal: PrincipalDep,
        code: FromPath[str],
        data: Annotated[RatingPolicy, examples.POLICY],
    ) -> dict[str, Any]:
        authorise(principal, "ministry")
        competition = await competition_or_404(pool, code)
        linked = sorted({r.occupation_code for r in data.rules if r.occupation_code})
        known = await store.active_occupations(pool, linked)
        errors = [
            field_error(f"rules[{i}].occupation_code", f"{r.occupation_code} is not known")
            for i, r in enumerate(data.rules)
            if r.occupation_code and r.occupation_code not in known
        ]
        errors += [
            field_error(f"rules[{i}].level", f"{r.level} is assessed by enterprises only")
            for i, r in enumerate(data.rules)
            if r.level in TOP_GRADES
        ]
        medals = [r.medal for r in data.rules]
        errors += [
            field_error(f"rules[{i}].medal", f"{m} has two rules")
            for i, m in enumerate(medals)
            if m in medals[:i]
        ]
        if errors:
            raise Problem(400, "invalid-policy", "The policy cannot be set", errors=errors)
        async with pool.acquire() as conn, conn.transaction():
            version = await store.set_policy(
                conn, code, msgspec.to_builtins(data.rules), principal.actor
            )
            # Results already applied qualify too; grants already made are not repeated.
            granted = await handlers.grant_ratings(
                conn, Outbox(handlers.SCHEMA), competition, None, principal.actor
            )
        return {"competition": code, "version": version, "granted": granted}

    @get("/{code:str}/rating-policy", summary="The rating policy of a competition")
    async def get_rating_policy(self, pool: PoolDep, code: FromPath[str]) -> dict[str, Any]:
        await competition_or_404(pool, code)
        row = await store.get_policy(pool, code)
        if row is None:
            raise Problem(404, "no-policy", "No rating policy", f"{code} grants no ratings")
        return {"competition": code, "version": row["version"], "rules": row["rules"]}
