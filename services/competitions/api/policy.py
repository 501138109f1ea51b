"""Rating policies: which results of a competition grant which rating (ministry)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, put
from litestar.params import FromPath

from schemas.competitions import RatingPolicy
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep
from services.platform.errors import Problem

from .. import examples, handlers, store
from .common import competition_or_404


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
        await competition_or_404(pool, code)
        command = handlers.SetRatingPolicy(competition=code, policy=data, actor=principal.actor)
        try:
            done = await handlers.set_rating_policy(command, pool=pool)
        except handlers.PolicyInvalid as exc:
            raise Problem(
                400, "invalid-policy", "The policy cannot be set", errors=exc.errors
            ) from exc
        return {"competition": code, "version": done.version, "granted": done.granted}

    @get("/{code:str}/rating-policy", summary="The rating policy of a competition")
    async def get_rating_policy(self, pool: PoolDep, code: FromPath[str]) -> dict[str, Any]:
        async with pool.acquire() as conn:  # one connection for the check and the read
            await competition_or_404(conn, code)
            row = await store.get_policy(conn, code)
        if row is None:
            raise Problem(404, "no-policy", "No rating policy", f"{code} grants no ratings")
        return {"competition": code, "version": row["version"], "rules": row["rules"]}
