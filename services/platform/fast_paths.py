"""ASGI fast paths: a service's hottest uncached reads, answered in front of the Litestar stack.

A fast path sits outermost, where the read cache sits, and answers the requests it recognises
exactly as the Litestar route would: the same body bytes, the same problem documents
(`errors.problem_of`), the CORS and compression headers the app adds, and a count in the same
Prometheus metrics. Everything else (HEAD, OPTIONS, tokens, bodies or queries it does not take)
goes on to the app, whose route stays the documented one (OpenAPI, schemathesis) and the
fallback. What it skips is the framework's per-request layers (CORS, exception handling,
Prometheus, compression, routing, parameter parsing, response building): for a primary-key
look-up py-spy put most of an HTTP worker's time there, and 29% in the query.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from prometheus_client import Counter, Histogram

from .errors import MEDIA_TYPE, problem_of

if TYPE_CHECKING:
    from litestar import Litestar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON = b"application/json"
PROBLEM = MEDIA_TYPE.encode()
Headers = list[tuple[bytes, bytes]]


@dataclass
class Stack:
    """What a fast path is built on: the rest of the stack, the app it fronts and how that
    app counts and tags requests."""

    app: App  # the read cache, then Litestar
    litestar: Litestar
    prometheus: PrometheusConfig
    served_by: tuple[tuple[bytes, bytes], ...]  # the worker's `x-served-by`, if it has one
    # What the app's CORS layer adds to an answer to a request with an `Origin`; None when
    # that depends on the origin (the app's CORS config does not allow every origin).
    cors: Headers | None = field(init=False)
    # The app's gzip (smallest body, level); None when it compresses otherwise, or not at all
    # (`compresses`), in which case a request asking for an encoding goes on to the app.
    gzip: tuple[int, int] | None = field(init=False)
    compresses: bool = field(init=False)

    def __post_init__(self) -> None:
        compression = self.litestar.compression_config
        self.compresses = compression is not None
        self.gzip = None
        if compression is not None and compression.backend == "gzip":
            self.gzip = (compression.minimum_size, compression.gzip_compress_level)
        config = self.litestar.cors_config
        self.cors = [] if config is None else None
        if config is not None and config.is_allow_all_origins:
            self.cors = [
                *((k.lower().encode(), v.encode()) for k, v in config.simple_headers.items()),
                (b"access-control-allow-headers", _listed(config.allow_headers)),
                (b"access-control-allow-methods", _listed(config.allow_methods)),
            ]


def _listed(values: Iterable[str]) -> bytes:
    return ", ".join(sorted(set(values))).encode()


FastPath = Callable[[Stack], App]


class RouteMetrics:
    """Litestar's Prometheus request count and duration for one route, as its middleware
    records them (same metric names and labels; `template` is the route's path as Litestar
    writes it there, `/certificates/{number}`), without a Request object per call. (Its
    middleware counts a 429 from route middleware as a 200; this counts what was answered.)"""

    def __init__(self, config: PrometheusConfig, method: str, template: str) -> None:
        if any(callable(v) for v in (config.labels or {}).values()):
            raise ValueError("a fast path counts under fixed labels only")
        self.labels: dict[str, Any] = {
            "method": method,
            "path": template,
            "status_code": 200,
            "app_name": config.app_name,
            **{k: str(v) for k, v in (config.labels or {}).items()},
        }
        middleware = PrometheusMiddleware(cast(Any, _nothing), config)
        self.count: Counter = middleware.request_count(self.labels)
        self.time: Histogram = middleware.request_time(self.labels)
        self._by_status: dict[int, tuple[Any, Any]] = {}

    def record(self, status: int, started: float) -> None:
        children = self._by_status.get(status)
        if children is None:
            values = [*{**self.labels, "status_code": status}.values()]
            children = self._by_status[status] = (
                self.count.labels(*values),
                self.time.labels(*values),
            )
        children[0].inc()
        children[1].observe(time.perf_counter() - started)


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only its metrics are used")


@dataclass(slots=True)
class Asked:
    """The request headers a fast path acts on; `other` is set when one it leaves to the app
    is there: a token (the app decides what it allows), a cookie (CORS answers differ), a
    body without a length, an encoding the app's compression decides differently."""

    origin: bool = False
    gzip: bool = False
    content_type: bytes = b""
    content_length: int | None = None
    forwarded: bool = False
    other: bool = False


def asked(scope: Scope, stack: Stack) -> Asked:
    out = Asked()
    encodings = 0
    for name, value in scope["headers"]:
        if name == b"origin":
            out.origin = bool(value)
        elif name == b"accept-encoding":
            encodings += 1
            out.gzip = b"gzip" in value
        elif name == b"content-type":
            out.content_type = value
        elif name == b"content-length":
            out.content_length = int(value) if value.isdigit() else -1
        elif name in (b"x-forwarded-for", b"forwarded"):
            out.forwarded = True
        elif name in (b"authorization", b"cookie", b"transfer-encoding"):
            out.other = True
    if out.origin and stack.cors is None:
        out.other = True
    if encodings > 1 or (encodings and stack.compresses and stack.gzip is None):
        out.other = True
    return out


async def answer(
    send: Send,
    status: int,
    body: bytes,
    ask: Asked,
    stack: Stack,
    *,
    media_type: bytes = JSON,
    extra: Headers | None = None,
) -> None:
    """One response, with what the app's CORS and compression layers would add."""
    headers = [(b"content-type", media_type)]
    if extra:
        headers += extra
    if ask.origin and stack.cors:
        headers += stack.cors
    if ask.gzip and stack.gzip and len(body) >= stack.gzip[0]:
        body = gzip.compress(body, compresslevel=stack.gzip[1])
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    headers.append((b"content-length", str(len(body)).encode()))
    headers += stack.served_by
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def answer_problem(
    send: Send,
    exc: Exception,
    path: str,
    ask: Asked,
    stack: Stack,
    extra: Headers | None = None,
) -> int:
    """The problem document the app's exception handler would give; returns the status."""
    status, body, headers = problem_of(exc, path)
    more = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    more += extra or []
    document = msgspec.json.encode(body)
    await answer(send, status, document, ask, stack, media_type=PROBLEM, extra=more)
    return status


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app after a fast path read the body and left the request to it."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
