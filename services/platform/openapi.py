"""Problem-detail responses in the OpenAPI document, so every operation shows its errors.

`create_app` calls `document_problems(app)`: each operation gains the RFC 9457 responses its
signature implies (400 for any input, 404 for path parameters, 401/403 when it takes a
principal, 413 for a body), each with an example. A handler may add others with
`responses=problem_responses(409, 422)`; its own entries win. Operations that publish (take
`bus`) also document 503.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.routes import HTTPRoute

from schemas.problems import ProblemDetails

from .errors import MEDIA_TYPE

_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {
        "type": "/problems/validation",
        "title": "The request is not valid",
        "status": 400,
        "detail": "Expected `int`, got `str`",
        "errors": [{"field": "level", "message": "Expected `int`, got `str`", "source": "query"}],
    },
    401: {
        "type": "/problems/unauthorized",
        "title": "Authentication required",
        "status": 401,
        "detail": "send `Authorization: Bearer srk_…`",
    },
    403: {
        "type": "/problems/forbidden",
        "title": "Not allowed for this token",
        "status": 403,
        "detail": "this token may act only for its own organisation",
    },
    404: {"type": "/problems/not-found", "title": "Not found", "status": 404},
    409: {
        "type": "/problems/conflict",
        "title": "Conflicts with the current state",
        "status": 409,
    },
    413: {
        "type": "/problems/payload-too-large",
        "title": "Request body too large",
        "status": 413,
        "detail": "split the batch into smaller ones",
    },
    422: {
        "type": "/problems/unprocessable",
        "title": "Refused by a domain rule",
        "status": 422,
        "errors": [{"field": "items[3].code", "message": "unknown occupation code"}],
    },
    429: {"type": "/problems/too-many-requests", "title": "Too many requests", "status": 429},
    503: {
        "type": "/problems/bus-unavailable",
        "title": "Events cannot be accepted right now",
        "status": 503,
        "detail": "not connected to NATS; nothing was published. Resending the same request "
        "is safe: it applies at most once.",
    },
}

# Names Litestar injects itself: never client input.
_RESERVED = {"request", "socket", "state", "scope", "headers", "cookies", "query", "body"}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses with the problem-details schema and an example, for `responses=`."""
    specs: dict[int, ResponseSpec] = {}
    for status in statuses:
        example = _EXAMPLES.get(status, {"type": "/problems/error", "title": "Error"})
        specs[status] = ResponseSpec(
            data_container=ProblemDetails,
            media_type=MEDIA_TYPE,
            description=str(example["title"]),
            generate_examples=False,
            examples=[Example(summary=str(example["title"]), value={**example, "status": status})],
        )
    return specs


def example_response(
    value: Any,
    *,
    status: int = 200,
    description: str = "OK",
    media_type: str = "application/json",
) -> dict[int, ResponseSpec]:
    """The success response with an example body, for `responses=` (merge with problems)."""
    return {
        status: ResponseSpec(
            data_container=type(value),
            media_type=media_type,
            description=description,
            generate_examples=False,
            examples=[Example(summary=description, value=msgspec.to_builtins(value))],
        )
    }


def implied_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> list[int]:
    """The error statuses an operation can answer, judged from its route and signature."""
    names = set(handler.parsed_fn_signature.parameters)
    inputs = names - set(handler.resolve_dependencies()) - _RESERVED
    statuses: list[int] = []
    if inputs:
        statuses.append(400)
    if "principal" in names:
        statuses += [401, 403]
    if route.path_parameters:
        statuses.append(404)
    if "data" in names:
        statuses.append(413)
    if "bus" in names:  # publishes: NATS may be unavailable (503, resend safe)
        statuses.append(503)
    return statuses


def document_problems(app: Litestar) -> None:
    """Give every documented operation its problem-detail responses (its own ones win)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.include_in_schema is False:
                continue
            implied = problem_responses(*implied_statuses(route, handler))
            handler.responses = {**implied, **(handler.responses or {})}
