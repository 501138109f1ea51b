"""The HTTP edge refuses what no service can store, before anything decodes or queries it.

`SafeRequest` checks a JSON body (nesting, UTF-8, NUL in any name or value) before msgspec
decodes it; the `refuse_unstorable_parameters` guard checks path and query parameters. Both
answer 400 problem details naming the field, so no such input ever reaches Postgres as a 500.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Empty

from .errors import Problem, field_error
from .safe_input import InputProblem, has_unstorable, json_problem, printable, unstorable


def unsafe_input(problem: InputProblem, source: str) -> Problem:
    return Problem(
        400,
        "unsafe-input",
        "The request holds input that cannot be taken",
        str(problem),
        errors=[field_error(problem.field, problem.message, source=source)],
    )


class SafeRequest(Request[Any, Any, Any]):
    """Litestar decodes a body to builtins with `json()` before it converts it to the
    handler's struct: the one place every JSON body passes."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            problem = json_problem(await self.body())
            if problem is not None:
                raise unsafe_input(problem, "body")
        return await super().json()


async def refuse_unstorable_parameters(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A guard: NUL characters (or lone surrogates) in a path or query parameter."""
    for name, value in connection.path_params.items():
        if isinstance(value, str) and has_unstorable(value):
            raise unsafe_input(InputProblem(name, unstorable(value)), "path")
    for name, value in connection.query_params.multi_items():
        if has_unstorable(name) or has_unstorable(value):
            field = printable(name, 100)
            raise unsafe_input(InputProblem(field, unstorable(name + value)), "query")
