"""`/dead-letters/<service>`: every consuming service's refused events, read and replayed.

One controller per service that consumes (create_app adds them), so each path is its own
operation in OpenAPI. Payloads are stored as bytes and never parsed in SQL.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import Parameter

from schemas.dead_letters import DeadLetter, DeadLetterPage, DeadLetterReplayed
from schemas.limits import INT64_MAX

from .auth import authorise
from .dead_letters import NotReplayable, replay, stored_letter
from .deps import BusDep, PoolDep, PrincipalDep
from .errors import Problem
from .openapi import problem_responses
from .runtime import Service

LetterId = Annotated[int, Parameter(ge=1, le=INT64_MAX, description="Dead letter id")]


class DeadLetterController(Controller):
    """Subclassed per service by `dead_letter_controller` (path and schema set there)."""

    tags = ["dead letters"]
    schema_name = ""
    service_name = ""

    @get(
        "/",
        summary="Events this service's consumers refused, newest first (ministry, admin)",
        security=[{"BearerToken": []}],
    )
    async def list_dead_letters(
        self,
        principal: PrincipalDep,
        pool: PoolDep,
        after: Annotated[
            int | None, Parameter(ge=0, le=INT64_MAX, required=False, description="Last id")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DeadLetterPage:
        authorise(principal, "ministry")
        rows = await pool.fetch(
            f"""SELECT {COLUMNS} FROM {self.schema_name}.dead_letter
            WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2""",
            after,
            limit + 1,
        )
        items = [letter_of(r) for r in rows[:limit]]
        return DeadLetterPage(items=items, next_after=items[-1].id if len(rows) > limit else None)

    @get(
        "/{letter_id:int}",
        summary="One refused event with the message as stored (ministry, admin)",
        security=[{"BearerToken": []}],
    )
    async def get_dead_letter(
        self, principal: PrincipalDep, pool: PoolDep, letter_id: LetterId
    ) -> DeadLetter:
        authorise(principal, "ministry")
        row = await self._row(pool, letter_id)
        return letter_of(row, base64.b64encode(row["payload"]).decode())

    @post(
        "/{letter_id:int}/replay",
        summary="Publish a refused event again under a new event id, once its cause is fixed "
        "(admin)",
        status_code=202,
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def replay_dead_letter(
        self, principal: PrincipalDep, pool: PoolDep, bus: BusDep, letter_id: LetterId
    ) -> Response[DeadLetterReplayed]:
        authorise(principal, "admin")
        row = await self._row(pool, letter_id)
        try:
            event_id, published = await replay(bus, stored_letter(self.schema_name, row))
        except NotReplayable as exc:
            raise Problem(
                409, "not-replayable", "This message cannot be replayed", str(exc)
            ) from exc
        body = DeadLetterReplayed(
            letter=letter_id, replayed_as=event_id, stream=published.stream, seq=published.seq
        )
        return Response(body, status_code=202)

    async def _row(self, pool: Any, letter_id: int) -> Any:
        row = await pool.fetchrow(
            f"SELECT {COLUMNS}, payload FROM {self.schema_name}.dead_letter WHERE id = $1",
            letter_id,
        )
        if row is None:
            raise Problem(
                404,
                "unknown-dead-letter",
                "No such dead letter",
                f"{self.service_name} has no dead letter {letter_id}",
            )
        return row


COLUMNS = """id, consumer, event_id, event_type, subject, event_subject, deliveries, reason,
    created_at, octet_length(payload) AS size"""


def letter_of(row: Any, payload_base64: str | None = None) -> DeadLetter:
    return DeadLetter(
        id=row["id"],
        consumer=row["consumer"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        subject=row["event_subject"],
        reason=row["reason"],
        deliveries=row["deliveries"],
        size=row["size"],
        created_at=row["created_at"],
        payload_base64=payload_base64,
    )


def dead_letter_controller(service: Service) -> type[Controller]:
    return type(
        f"{service.name.title().replace('-', '')}DeadLetterController",
        (DeadLetterController,),
        {
            "path": f"/dead-letters/{service.name}",
            "schema_name": service.schema,
            "service_name": service.name,
        },
    )
