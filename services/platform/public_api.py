"""The public JSON API, called in-process: pages and exports are its clients, like anyone else.

A request travels through the same ASGI app (read cache, routing, validation, masking) as
one from outside, so no page or export can show more than the API publishes, and no context's
tables are read from here. It is handed to the app as an ASGI call on the running event loop:
no socket, no thread, no HTTP client (which cost pages two thirds of their time).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Litestar

T = TypeVar("T")

Params = Mapping[str, str | int | float | None]


class ApiError(RuntimeError):
    """The API answered with a problem the caller did not expect."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('title', '')} {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


@dataclass
class Answer:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class PublicApi:
    def __init__(self, app: Litestar, *, client_host: str = "127.0.0.1") -> None:
        self.app = app
        # The caller's address travels along, so per-client limits apply to the real client.
        self.client = (client_host, 0)

    async def __aenter__(self) -> PublicApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    async def raw(self, path: str, params: Params | None = None) -> Answer:
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return await self._get(path, urlencode(query).encode())

    async def _get(self, path: str, query: bytes) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"skillsreg.internal")],
            "client": self.client,
            "server": ("skillsreg.internal", 80),
            "extensions": {},
        }
        status, chunks = 500, []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)  # type: ignore[arg-type]
        return Answer(status, b"".join(chunks))

    async def get(self, path: str, kind: type[T], params: Params | None = None) -> T:
        response = await self.raw(path, params)
        if response.status_code != 200:
            raise ApiError(response.status_code, _problem(response))
        return msgspec.json.decode(response.content, type=kind)

    async def find(self, path: str, kind: type[T], params: Params | None = None) -> T | None:
        """Like `get`, but a 404 is an answer (None), not an error."""
        response = await self.raw(path, params)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ApiError(response.status_code, _problem(response))
        return msgspec.json.decode(response.content, type=kind)

    async def pages(
        self, path: str, params: Params | None = None, *, items: str = "items"
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a keyset-paginated list, following its `next` link, or else passing
        `next_after` back as `after`."""
        query = dict(params or {})
        response = await self.raw(path, query)
        while True:
            if response.status_code != 200:
                raise ApiError(response.status_code, _problem(response))
            body = msgspec.json.decode(response.content)
            for item in body.get(items, []):
                yield item
            if body.get("next"):
                link, _, link_query = body["next"].partition("?")
                response = await self._get(link, link_query.encode())
            elif body.get("next_after") is not None:
                query["after"] = body["next_after"]
                response = await self.raw(path, query)
            else:
                return


def _problem(response: Answer) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"title": response.text[:200]}
    return body if isinstance(body, dict) else {"title": str(body)[:200]}
