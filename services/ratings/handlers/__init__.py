"""Use cases of the ratings context, one module each: assessment batches (`batches`), the
certificates they and competition grants issue and their revocation (`certificates`), grants
(`grants`), evaluation bodies (`bodies`) and our copy of the occupation codes (`catalogue`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

SCHEMA = "ratings"


def today() -> date:
    return datetime.now(UTC).date()
