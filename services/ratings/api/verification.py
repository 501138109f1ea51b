"""Public certificate verification on a fast path in front of the Litestar stack.

`GET /certificates/{number}` and `POST /certificates/verify` cannot be served from the read
cache (a number rarely repeats), so each costs a look-up; this answers them without the
framework's per-request layers (services.platform.fast_paths), from the functions the routes
call (`verify_number`, `verify_numbers`), under the routes' rate limit (same store, same keys,
so both count together) and with their answers byte for byte. Requests it does not take go
on to the routes: HEAD and other methods, a token, a query other than `name`, a path segment
or body it does not recognise (the routes answer their 400s), a body without a length.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import unquote_plus

import msgspec
from litestar.datastructures import Headers
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitMiddleware

from schemas.ratings import VerifyRequest
from services.platform.fast_paths import (
    Asked,
    Receive,
    RouteMetrics,
    Scope,
    Send,
    Stack,
    answer,
    answer_problem,
    asked,
    read_body,
    replaying,
)
from services.platform.proxies import client_address
from services.platform.safe_input import has_unstorable, json_problem

from ..views import CertificateReads
from .certificates import verify_limit, verify_number, verify_numbers

PREFIX = "/certificates/"
MANY = "/certificates/verify"
# Path segments taken here: characters that need no percent-encoding, so the path parameter and
# the problem's `instance` are what the client sent.
_SEGMENT = re.compile(r"[0-9A-Za-z._~-]{1,64}")
# `?name=…` alone, percent-encoded or `+` for a space; anything else is the route's to parse.
_NAME_QUERY = re.compile(rb"name=((?:[0-9A-Za-z._~+-]|%[0-9A-Fa-f]{2}){0,1800})")
NAME_MAX = 200  # the route's `name` parameter
_NOT_TAKEN = object()
_ENCODER = msgspec.json.Encoder()
_REQUEST = msgspec.json.Decoder(VerifyRequest)
_NO_HEADERS = Headers()


def name_asked(query_string: bytes) -> Any:
    """`name` from the query string, None without one, or _NOT_TAKEN."""
    if not query_string:
        return None
    match = _NAME_QUERY.fullmatch(query_string)
    if match is None:
        return _NOT_TAKEN
    try:
        name = unquote_plus(match.group(1).decode("ascii"), errors="strict")
    except UnicodeDecodeError:
        return _NOT_TAKEN
    return _NOT_TAKEN if len(name) > NAME_MAX or has_unstorable(name) else name


class VerifyLimit:
    """The routes' rate limit (`certificates.verify_limit`): Litestar's middleware keeps the
    request times of the window per client in the app's store; this reads and writes the same
    entries, so a client's requests count once whichever way they are answered."""

    def __init__(self, stack: Stack, per_minute: int, trusted_proxies: str) -> None:
        self.limit = RateLimitMiddleware(cast(Any, stack.app), verify_limit(per_minute))
        self.store = self.limit.config.get_store_from_app(stack.litestar)
        self.trusted = trusted_proxies
        self.lock = asyncio.Lock()

    async def check(self, scope: Scope, ask: Asked) -> tuple[bool, dict[str, str]]:
        """Whether the client may have one more, and the RateLimit headers to send."""
        peer = scope["client"][0] if scope.get("client") else ""
        headers = Headers.from_scope(cast(Any, scope)) if ask.forwarded else _NO_HEADERS
        key = f"{RateLimitMiddleware.__name__}::{client_address(peer, headers, self.trusted)}"
        async with self.lock:
            seen = await self.limit.retrieve_cached_history(key, self.store)
            if len(seen.history) >= self.limit.max_requests:
                return False, self.limit.create_response_headers(seen)
            await self.limit.set_cached_history(key, seen, self.store)
        return True, self.limit.create_response_headers(seen)


class CertificateVerification:
    """ASGI: the two verification routes' fast path, else the app (see the module)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.app = stack.app
        self.one = RouteMetrics(stack.prometheus, "GET", "/certificates/{number}")
        self.many = RouteMetrics(stack.prometheus, "POST", MANY)
        self._ready = False
        self.reads = CertificateReads(lambda: stack.litestar.state["runtime"].pool)
        self._limit: VerifyLimit | None = None
        self._max_body = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            method = scope["method"]
            if method == "GET":
                return await self._one(scope, receive, send)
            if method == "POST" and scope["path"] == MANY:
                return await self._many(scope, receive, send)
        await self.app(scope, receive, send)

    def _prepare(self) -> None:
        """Read when the first request arrives: route middleware reads them then too."""
        settings = self.stack.litestar.state["runtime"].settings
        self._max_body = settings.max_request_bytes
        if settings.verify_rate_per_minute > 0:
            self._limit = VerifyLimit(
                self.stack, settings.verify_rate_per_minute, settings.trusted_proxies
            )
        self._ready = True

    async def _one(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        number = path[len(PREFIX) :]
        name = name_asked(scope["query_string"])
        if (
            _SEGMENT.fullmatch(number) is None
            or number == "verify"
            or scope.get("root_path")
            or name is _NOT_TAKEN
        ):
            return await self.app(scope, receive, send)
        ask = asked(scope, self.stack)
        if ask.other:
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        if not self._ready:
            self._prepare()
        status = await self._respond(
            scope, send, ask, path, lambda: verify_number(self.reads.by_number, number, name)
        )
        self.one.record(status, started)

    async def _many(self, scope: Scope, receive: Receive, send: Send) -> None:
        ask = asked(scope, self.stack)
        if not self._ready:
            self._prepare()
        if (
            ask.other
            or ask.content_length is None
            or not 0 < ask.content_length <= self._max_body
            or ask.content_type.split(b";")[0].strip().lower() != b"application/json"
            or scope.get("root_path")
        ):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        body = await read_body(receive)
        if body is None:
            return  # the client went away
        try:
            if len(body) > self._max_body or json_problem(body) is not None:
                raise ValueError("the route answers this")
            request = _REQUEST.decode(body)
        except (ValueError, msgspec.DecodeError):  # msgspec.ValidationError is a DecodeError
            return await self.app(scope, replaying(body, receive), send)
        status = await self._respond(
            scope, send, ask, MANY, lambda: verify_numbers(self.reads.by_number, request.items)
        )
        self.many.record(status, started)

    async def _respond(
        self, scope: Scope, send: Send, ask: Asked, path: str, verify: Callable[[], Awaitable[Any]]
    ) -> int:
        """Rate limit, then the verification's answer or its problem; returns the status.
        `verify` runs only when the client is within its limit."""
        limited, headers = await self._limited(scope, ask)
        if limited is not None:
            return await answer_problem(send, limited, path, ask, self.stack)
        try:
            view = await verify()
        except Exception as exc:
            return await answer_problem(send, exc, path, ask, self.stack, headers)
        await answer(send, 200, _ENCODER.encode(view), ask, self.stack, extra=headers)
        return 200

    async def _limited(
        self, scope: Scope, ask: Asked
    ) -> tuple[TooManyRequestsException | None, list[tuple[bytes, bytes]]]:
        """The 429 to answer, or None and the RateLimit headers of the answer."""
        if self._limit is None:
            return None, []
        allowed, headers = await self._limit.check(scope, ask)
        if not allowed:
            return TooManyRequestsException(headers=headers), []
        return None, [(k.lower().encode(), v.encode()) for k, v in headers.items()]
