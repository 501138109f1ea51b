"""The public JSON API, called in-process: pages and exports are its clients, like anyone else.

A request travels through the same ASGI app (routing, validation, masking) over
`httpx.ASGITransport`, so no page or export can show more than the API publishes, and no
context's tables are read from here. The call stays on the running event loop: no socket,
no thread, no deadlock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar, cast

import httpx
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


class PublicApi:
    def __init__(self, app: Litestar, *, client_host: str = "127.0.0.1") -> None:
        # The caller's address travels along, so per-client limits apply to the real client.
        transport = httpx.ASGITransport(app=cast(Any, app), client=(client_host, 0))
        self._http = httpx.AsyncClient(transport=transport, base_url="http://skillsreg.internal")

    async def __aenter__(self) -> PublicApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    async def raw(self, path: str, params: Params | None = None) -> httpx.Response:
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return await self._http.get(path, params=query)

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
                response = await self._http.get(body["next"])
            elif body.get("next_after") is not None:
                query["after"] = body["next_after"]
                response = await self.raw(path, query)
            else:
                return


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"title": response.text[:200]}
    return body if isinstance(body, dict) else {"title": str(body)[:200]}
