"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .bus import BusUnavailable
from .db import UNAVAILABLE
from .logs import get_logger

log = get_logger(__name__)

MEDIA_TYPE = "application/problem+json"
RETRY_AFTER = 5  # seconds a client should wait before resending when NATS is unavailable
# Postgres unreachable (not any OSError: a missing file is no database outage).
_DATABASE_AWAY = tuple(kind for kind in UNAVAILABLE if kind is not OSError)

# Path prefixes whose errors are answered with a page rather than a problem document (the
# public pages register theirs: people reading `/zh/…` get HTML in their language, even for a
# path no route matches).
PAGE_ERRORS: dict[str, Callable[[Request[Any, Any, Any], Exception], Response[Any]]] = {}


class Problem(HTTPException):
    """A domain error with a stable `type` slug, a human title and optional field errors."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail=detail or title, status_code=status)
        self.kind = kind
        self.title = title
        self.errors = errors
        self.more = extra


def field_error(field: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "message": message, **extra}


def _body(status: int, kind: str, title: str, detail: str | None, path: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "instance": path,
    }
    if detail and detail != title:
        body["detail"] = detail
    return body


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    path = request.url.path
    for prefix, render in PAGE_ERRORS.items():
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return render(request, exc)
    status, body, headers = problem_of(exc, path)
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_of(exc: Exception, path: str) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, problem document and headers for `exc` raised answering `path` (also what an
    ASGI fast path answers, so both say the same)."""
    if isinstance(exc, Problem):
        body = _body(exc.status_code, exc.kind, exc.title, exc.detail, path)
        if exc.errors:
            body["errors"] = exc.errors
        body.update(exc.more)
        return exc.status_code, body, exc.headers
    if isinstance(exc, BusUnavailable):
        return problem_of(bus_unavailable(exc), path)
    if isinstance(exc, _DATABASE_AWAY):
        log.warning("postgres unavailable", path=path, error=str(exc))
        problem = Problem(503, "unavailable", "Service unavailable", "the database is unreachable")
        problem.headers = {"Retry-After": str(RETRY_AFTER)}
        return problem_of(problem, path)
    if isinstance(exc, ValidationException):
        errors = [_validation_error(item) for item in (exc.extra or []) if isinstance(item, dict)]
        body = _body(400, "validation", "The request is not valid", exc.detail, path)
        if errors:
            body["errors"] = errors
        return 400, body, None
    if isinstance(exc, HTTPException):
        kind = _SLUGS.get(exc.status_code, "http-error")
        body = _body(
            exc.status_code, kind, _TITLES.get(exc.status_code, exc.detail), exc.detail, path
        )
        if isinstance(exc.extra, dict):
            body.update(exc.extra)
        headers = dict(exc.headers or {})
        if exc.status_code == 429:
            # When to try again (RFC 9110): the rate limit's own reset, else its window.
            headers.setdefault("Retry-After", headers.get("RateLimit-Reset", "60"))
        return exc.status_code, body, headers
    log.exception("unhandled error", path=path)
    body = _body(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Internal server error", None, path)
    return HTTP_500_INTERNAL_SERVER_ERROR, body, None


def bus_unavailable(exc: BusUnavailable) -> Problem:
    """503 for a submission NATS could not take. The event id comes from what the client sends
    (release id, batch id, Idempotency-Key or the content), so a resend cannot apply twice."""
    stored = (
        "it may have been stored and will then apply"
        if exc.maybe_stored
        else "nothing was published"
    )
    problem = Problem(
        503,
        "bus-unavailable",
        "Events cannot be accepted right now",
        f"{exc}; {stored}. Resending the same request (the same release id, batch id or "
        f"Idempotency-Key, or the same content) is safe: it applies at most once.",
        retry_safe=True,
    )
    problem.headers = {"Retry-After": str(RETRY_AFTER)}
    return problem


def _validation_error(item: dict[str, Any]) -> dict[str, Any]:
    """Litestar reports `{message, key, source}`; we name the field with a JSON path."""
    message = str(item.get("message", "invalid value"))
    field = item.get("key")
    if not field and " - at `" in message:
        message, _, path = message.partition(" - at `")
        field = path.rstrip("`")
    out: dict[str, Any] = {"field": field or "$", "message": message}
    if item.get("source"):
        out["source"] = item["source"]
    return out


_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
    503: "unavailable",
}
_TITLES = {
    401: "Authentication required",
    403: "Not allowed for this token",
    404: "Not found",
    413: "Request body too large",
    429: "Too many requests",
    503: "Service unavailable",
}

EXCEPTION_HANDLERS = {Exception: problem_response}
