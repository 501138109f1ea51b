"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .logs import get_logger

log = get_logger(__name__)

MEDIA_TYPE = "application/problem+json"


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


def _body(
    status: int, kind: str, title: str, detail: str | None, request: Request[Any, Any, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail and detail != title:
        body["detail"] = detail
    return body


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, Problem):
        body = _body(exc.status_code, exc.kind, exc.title, exc.detail, request)
        if exc.errors:
            body["errors"] = exc.errors
        body.update(exc.more)
        return Response(
            body, status_code=exc.status_code, media_type=MEDIA_TYPE, headers=exc.headers
        )
    if isinstance(exc, ValidationException):
        errors = [_validation_error(item) for item in (exc.extra or []) if isinstance(item, dict)]
        body = _body(400, "validation", "The request is not valid", exc.detail, request)
        if errors:
            body["errors"] = errors
        return Response(body, status_code=400, media_type=MEDIA_TYPE)
    refused = _undecodable(exc)
    if refused:
        body = _body(400, "validation", "The request is not valid", refused, request)
        return Response(body, status_code=400, media_type=MEDIA_TYPE)
    if isinstance(exc, HTTPException):
        kind = _SLUGS.get(exc.status_code, "http-error")
        body = _body(
            exc.status_code, kind, _TITLES.get(exc.status_code, exc.detail), exc.detail, request
        )
        if isinstance(exc.extra, dict):
            body.update(exc.extra)
        return Response(
            body, status_code=exc.status_code, media_type=MEDIA_TYPE, headers=exc.headers
        )
    log.exception("unhandled error", path=request.url.path)
    body = _body(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Internal server error", None, request)
    return Response(body, status_code=HTTP_500_INTERNAL_SERVER_ERROR, media_type=MEDIA_TYPE)


def _undecodable(exc: Exception) -> str | None:
    """What msgspec raises on a body it cannot read, before Litestar calls it a bad request."""
    if isinstance(exc, RecursionError) and "deserializing" in str(exc):
        return "JSON nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not valid UTF-8"
    return None


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
