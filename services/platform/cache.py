"""Encoded public reads, cached per process and keyed by the versions of the read models.

Every transaction that changes a cached schema bumps its row of `platform.read_model_version`
(a trigger, migration platform_0005), so the version is new exactly when the change is
visible. Before answering, a read learns the versions from a query that *started after the
read arrived*: one query serves every read that arrived while the previous one ran, so the
cost is one tiny query per batch of requests, not per request, and a read that follows an
applied submission (from any client, to any process or replica) never sees an older version.

A hit costs no routing, no handler and no encoding: the bytes (and their gzip form, made once)
go out with a strong `ETag`; `If-None-Match` answers 304. Concurrent misses of one key wait
for the first to fill it. Only anonymous GETs of the paths in `CACHED` go through here.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from .db import Pool
from .logs import get_logger

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

READ_CACHE = Counter(
    "skillsreg_read_cache_total",
    "Cached public reads, by outcome (hit, miss, not_modified).",
    ["outcome"],
)

# Path prefix -> the schemas whose versions key its reads. Pages read the catalogue, the
# competitions and (an occupation's demand) the labour market.
PAGES = ("occupations", "competitions", "labour")
CACHED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/occupations", ("occupations",)),
    ("/competitions", ("competitions",)),
    ("/members", ("competitions",)),
    ("/skills", ("competitions",)),
    ("/competitors", ("competitions",)),
    *(
        (f"/{lang}{page}", PAGES)
        for lang in ("zh", "en")
        for page in ("/occupations", "/competitions", "/members", "/skills", "/competitors")
    ),
)
NEVER = ("/submissions",)  # where a submission stands is not a read model
BUDGET = 32 * 1024 * 1024  # bytes of bodies per process
GZIP_FROM = 1024  # smaller bodies go out as they are
CACHE_CONTROL = (b"cache-control", b"public, no-cache")  # proxies may keep it, but revalidate


def schemas_of(path: str) -> tuple[str, ...] | None:
    if path in ("/zh/", "/en/"):
        return PAGES
    for prefix, schemas in CACHED:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return None if any(n in path for n in NEVER) else schemas
    return None


class ReadVersions:
    """The versions, from a query started after the caller asked (see the module's docstring)."""

    def __init__(self, pool: Callable[[], Pool]) -> None:
        self.pool = pool  # read when first needed: an app made only for its OpenAPI has none
        self._next: asyncio.Future[dict[str, int]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def current(self) -> dict[str, int]:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._task is None:
                self._task = asyncio.create_task(self._read())
        return await asyncio.shield(self._next)

    async def _read(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    rows = await self.pool().fetch(
                        "SELECT schema, version FROM platform.read_model_version"
                    )
                    waiting.set_result({r[0]: r[1] for r in rows})
                except Exception as exc:
                    waiting.set_exception(exc)
                    waiting.exception()  # retrieved: each waiter falls back to the app
        finally:
            self._task = None


@dataclass
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    zipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self.zipped is None:
            self.zipped = gzip.compress(self.body, compresslevel=5)
        return self.zipped


def kept(header: bytes) -> bool:
    """Headers of a stored answer that hold for every later request (set again per answer)."""
    dropped = (b"content-length", b"content-encoding", b"etag", b"vary", b"x-served-by")
    return header not in dropped and not header.startswith(b"access-control-")


class ReadCache:
    """ASGI around the process's app (see the module's docstring)."""

    def __init__(self, app: App, pool: Callable[[], Pool], worker: str | None = None) -> None:
        self.app = app
        self.versions = ReadVersions(pool)
        self.entries: dict[tuple[str, bytes, tuple[int, ...]], Entry] = {}
        self.filling: dict[tuple[str, bytes, tuple[int, ...]], asyncio.Future[Entry | None]] = {}
        self.size = 0
        self.served_by = [(b"x-served-by", worker.encode())] if worker else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, self._tagged(send))
        schemas = schemas_of(scope["path"])
        if schemas is None:
            return await self.app(scope, receive, self._tagged(send))
        asked: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in (b"authorization", b"if-none-match", b"accept-encoding", b"origin"):
                asked[name] = value
        if b"authorization" in asked:  # what a token may see is not what everyone sees
            return await self.app(scope, receive, self._tagged(send))
        try:
            versions = await self.versions.current()
        except Exception:
            return await self.app(scope, receive, self._tagged(send))
        key = (scope["path"], scope["query_string"], tuple(versions.get(s, 0) for s in schemas))
        entry = self.entries.get(key)
        if entry is None:
            entry = await self._fill(key, scope, receive, send)
            if entry is None:
                return  # answered as the app answered (not a 200)
            READ_CACHE.labels("miss").inc()
        else:
            READ_CACHE.labels("hit").inc()
        await self._answer(entry, scope, asked, send)

    def _tagged(self, send: Send) -> Send:
        if not self.served_by:
            return send

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.served_by]
            await send(message)

        return tagged

    async def _fill(
        self, key: tuple[str, bytes, tuple[int, ...]], scope: Scope, receive: Receive, send: Send
    ) -> Entry | None:
        """The app's answer, kept if it is a 200; concurrent misses of `key` wait for one."""
        if key in self.filling:
            entry = await asyncio.shield(self.filling[key])
            if entry is not None:
                return entry
            await self.app(scope, receive, self._tagged(send))
            return None
        self.filling[key] = future = asyncio.get_running_loop().create_future()
        entry = None
        try:
            plain = dict(scope)  # the body as it is; no 304 from below
            plain["method"] = "GET"
            plain["headers"] = [
                (n, v)
                for n, v in scope["headers"]
                if n not in (b"accept-encoding", b"if-none-match")
            ]
            start: Message = {}
            chunks: list[bytes] = []

            async def keep(message: Message) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(plain, receive, keep)
            body = b"".join(chunks)
            if start.get("status") == 200:
                entry = Entry(
                    headers=[(n, v) for n, v in start.get("headers", ()) if kept(n)],
                    body=body,
                    etag=b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"',
                )
                self._keep(key, entry)
            else:
                headers = [*start.get("headers", ()), *self.served_by]
                await send(
                    {"type": "http.response.start", "status": start["status"], "headers": headers}
                )
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"" if scope["method"] == "HEAD" else body,
                    }
                )
        finally:
            del self.filling[key]
            future.set_result(entry)
        return entry

    def _keep(self, key: tuple[str, bytes, tuple[int, ...]], entry: Entry) -> None:
        self.entries[key] = entry
        self.size += len(entry.body)
        if self.size <= BUDGET:
            return
        # Entries of older versions first, then the oldest kept.
        latest = key[2]
        for old in [k for k in self.entries if k[2] != latest and k[0] == key[0]]:
            self.size -= len(self.entries.pop(old).body)
        while self.size > BUDGET // 2 and self.entries:
            self.size -= len(self.entries.pop(next(iter(self.entries))).body)

    async def _answer(
        self, entry: Entry, scope: Scope, asked: dict[bytes, bytes], send: Send
    ) -> None:
        headers = [*entry.headers, (b"etag", entry.etag), *self.served_by]
        if not any(n == b"cache-control" for n, _ in entry.headers):
            headers.append(CACHE_CONTROL)
        if b"origin" in asked:
            headers.append((b"access-control-allow-origin", b"*"))
        match = asked.get(b"if-none-match")
        if match is not None and (match.strip() == b"*" or entry.etag in match.split(b", ")):
            READ_CACHE.labels("not_modified").inc()
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.body
        if len(body) >= GZIP_FROM:
            headers.append((b"vary", b"accept-encoding"))
            if b"gzip" in asked.get(b"accept-encoding", b""):
                body = entry.gzipped()
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
