"""RFC 9457 problem details: the body of every error the HTTP API returns."""

from __future__ import annotations

import msgspec


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Which input was wrong and why; `field` is a name or a JSON path into the body."""

    field: str
    message: str
    source: str | None = None


class ProblemDetails(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Served as `application/problem+json`; `type` is a stable slug such as `/problems/…`."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []
