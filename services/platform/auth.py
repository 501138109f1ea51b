"""Bearer tokens with a role scoped to an organisation.

Tokens are opaque random strings shown once; only their SHA-256 is stored (`platform.api_token`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from typing import Any, Literal

import asyncpg
import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from schemas.regions import BY_CODE

from .db import Connection, Pool
from .errors import Problem

# `province`: a provincial human-resources department; its organisation is the province's
# GB/T 2260 code, and it publishes only for that region.
Role = Literal["ministry", "province", "evaluation_body", "organiser", "admin"]
ROLES: tuple[str, ...] = ("ministry", "province", "evaluation_body", "organiser", "admin")
TOKEN_PREFIX = "srk_"


class Principal(msgspec.Struct, frozen=True):
    token_id: int
    role: str
    organisation: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.organisation}"


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def create_token(
    conn: Connection | Pool, role: str, organisation: str, label: str = ""
) -> tuple[int, str]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "province" and organisation not in BY_CODE:
        raise ValueError("a province token's organisation is a GB/T 2260 code, e.g. 440000")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id: int = await conn.fetchval(
        """INSERT INTO platform.api_token (token_hash, role, organisation, label)
        VALUES ($1, $2, $3, $4) RETURNING id""",
        hash_token(token),
        role,
        organisation,
        label,
    )
    return token_id, token


async def revoke_token(conn: Connection | Pool, token_id: int) -> bool:
    done = await conn.execute(
        "UPDATE platform.api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return bool(done.endswith(" 1"))


REVOKED_CHANNEL = "platform_token_revoked"  # see migration platform_0003


class TokenCache:
    """Token look-ups are cached so a burst of writes costs one query, but only while this
    process hears revocations (`listen_for_revocations`): a revoked token stops working in
    every process at once. Without the notification channel nothing is cached."""

    ttl = 60.0  # a safety net; revocations clear entries as they happen

    def __init__(self) -> None:
        self._entries: dict[bytes, tuple[float, Principal | None]] = {}
        self.listening = False
        self._generation = 0  # bumped by every revocation, so a look-up racing one is not kept

    def forget(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def lookup(self, pool: Pool, token: str) -> Principal | None:
        digest = hash_token(token)
        hit = self._entries.get(digest) if self.listening else None
        now = time.monotonic()
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        generation = self._generation
        row = await pool.fetchrow(
            """SELECT id, role, organisation FROM platform.api_token
            WHERE token_hash = $1 AND revoked_at IS NULL""",
            digest,
        )
        principal = Principal(row["id"], row["role"], row["organisation"]) if row else None
        if self.listening and generation == self._generation:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (now, principal)
        return principal


async def listen_for_revocations(dsn: str, tokens: TokenCache, stop: asyncio.Event) -> None:
    """Keep a connection listening on the revocation channel; cache only while it listens."""
    conn = await asyncpg.connect(dsn, timeout=5)
    lost = asyncio.Event()

    def revoked(*_: object) -> None:
        tokens.forget()

    def terminated(*_: object) -> None:
        tokens.listening = False
        tokens.forget()
        lost.set()

    try:
        conn.add_termination_listener(terminated)
        await conn.add_listener(REVOKED_CHANNEL, revoked)
        tokens.forget()  # whatever was cached before listening may be stale
        tokens.listening = True
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
    finally:
        tokens.listening = False
        tokens.forget()
        with contextlib.suppress(Exception):
            await conn.close(timeout=2)
    if not stop.is_set():
        raise ConnectionError("the revocation listener lost its connection")


def _unauthorised(detail: str) -> Problem:
    problem = Problem(401, "unauthorized", "Authentication required", detail)
    problem.headers = {"WWW-Authenticate": 'Bearer realm="skillsreg"'}
    return problem


async def authenticate(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("send `Authorization: Bearer <token>`")
    runtime = request.app.state.runtime
    principal = await runtime.tokens.lookup(runtime.pool, token.strip())
    if principal is None:
        raise _unauthorised("the token is unknown or revoked")
    return principal


async def authenticate_first(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard: handlers that take a `principal` check the token before the body is read.

    Guards run before Litestar parses parameters, so a caller without a valid token gets 401,
    not a 400 about a body it had no right to send.
    """
    if "principal" in handler.parsed_fn_signature.parameters:
        connection.state.principal = await authenticate(connection)


def authorise(principal: Principal, *roles: str, organisation: str | None = None) -> None:
    """Allow `admin` always; other roles only if listed and, when given, for their own org."""
    if principal.role == "admin":
        return
    if principal.role not in roles:
        raise Problem(
            403,
            "forbidden",
            "Not allowed for this token",
            f"this action needs one of: {', '.join(roles)}; the token has {principal.role}",
        )
    if organisation is not None and principal.organisation != organisation:
        raise Problem(
            403,
            "forbidden",
            "Not allowed for this token",
            f"the token acts for {principal.organisation!r}, not {organisation!r}",
        )
