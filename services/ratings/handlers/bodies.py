"""Evaluation bodies: registered and authorised by the ministry."""

from __future__ import annotations

from typing import Any

import msgspec

from schemas.envelope import Event
from schemas.ratings import (
    BODY_AUTHORISED,
    BODY_REGISTERED,
    TOP_GRADES,
    Authorisation,
    AuthorisationCreate,
    BodyAuthorised,
    BodyRegistered,
    EvaluationBodyCreate,
)
from services.platform.db import Connection, Pool
from services.platform.errors import field_error
from services.platform.outbox import Outbox

from .. import store
from . import SCHEMA

#
# Registering and authorising are ministry writes straight into the ratings schema, each in one
# transaction with its `body.registered` / `body.authorised` event in the outbox: they are rare,
# must be visible at once to the next submission's checks, and no other context feeds them.


class RegisterBody(msgspec.Struct, frozen=True, kw_only=True):
    body: EvaluationBodyCreate
    actor: str


class BodyRegistration(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    created: bool  # False: the same registration again, nothing written


class BodyExists(Exception):
    """The body id is registered with another name, kind or province."""


async def register_body(command: RegisterBody, *, pool: Pool) -> BodyRegistration:
    data = command.body
    async with pool.acquire() as conn, conn.transaction():
        row = await store.insert_body(
            conn, data.body_id, data.name, data.kind, command.actor, data.province
        )
        if row is None:
            existing = await store.get_body(conn, data.body_id)
            assert existing is not None
            registered = (existing["name"], existing["kind"], existing["province"])
            if registered != (data.name, data.kind, data.province):
                raise BodyExists(
                    f"{data.body_id} is registered as {existing['kind']} {existing['name']!r}"
                    f" in province {existing['province'] or 'none'}"
                )
            return BodyRegistration(body_id=data.body_id, created=False)
        await announce_body(conn, Outbox(SCHEMA), row, command.actor)
    return BodyRegistration(body_id=data.body_id, created=True)


class AuthoriseBody(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    authorisation: AuthorisationCreate
    actor: str


class BodyNotFound(Exception):
    pass


class AuthorisationRefused(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


async def authorise_body(command: AuthoriseBody, *, pool: Pool) -> Authorisation:
    body_id, data = command.body_id, command.authorisation
    body = await store.get_body(pool, body_id)
    if body is None:
        raise BodyNotFound(body_id)
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
        raise AuthorisationRefused(errors)
    levels = sorted(set(data.levels), key=lambda lv: data.levels.index(lv))
    async with pool.acquire() as conn, conn.transaction():
        authorisation_id = await store.insert_authorisation(
            conn,
            body_id,
            data.occupation_code,
            list(levels),
            data.valid_from,
            data.valid_to,
            command.actor,
        )
        granted = Authorisation(
            authorisation_id=authorisation_id,
            occupation_code=data.occupation_code,
            levels=list(levels),
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        await announce_authorisation(conn, Outbox(SCHEMA), body_id, granted, command.actor)
    return granted


async def announce_body(conn: Connection, outbox: Outbox, body: Any, actor: str) -> None:
    """`body.registered` for a body row just inserted, in the caller's transaction."""
    await outbox.enqueue(
        conn,
        Event(
            id=f"body:{body['body_id']}",
            source="/ratings",
            type=BODY_REGISTERED,
            subject=body["body_id"],
            actor=actor,
            data=BodyRegistered(
                body_id=body["body_id"],
                body_no=body["body_no"],
                name=body["name"],
                kind=body["kind"],
                province=body["province"],
            ),
        ),
    )


async def announce_authorisation(
    conn: Connection, outbox: Outbox, body_id: str, granted: Authorisation, actor: str
) -> None:
    """`body.authorised` for an authorisation just inserted, in the caller's transaction."""
    await outbox.enqueue(
        conn,
        Event(
            id=f"authorisation:{granted.authorisation_id}",
            source="/ratings",
            type=BODY_AUTHORISED,
            subject=body_id,
            actor=actor,
            data=BodyAuthorised(
                body_id=body_id,
                authorisation_id=granted.authorisation_id,
                occupation_code=granted.occupation_code,
                levels=granted.levels,  # type: ignore[arg-type]
                valid_from=granted.valid_from,
                valid_to=granted.valid_to,
            ),
        ),
    )
