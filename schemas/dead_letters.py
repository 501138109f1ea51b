"""Dead letters as the API shows them: events a consumer could never apply, with the reason."""

from __future__ import annotations

from datetime import datetime

import msgspec


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """One refused message; the stored message is returned whole only by the single read."""

    id: int
    consumer: str
    event_id: str  # the envelope id, or `seq:<stream>:<sequence>` when it had none readable
    event_type: str | None
    subject: str | None  # what the event is about: a release id, a batch id, a competition
    reason: str
    deliveries: int
    size: int  # bytes of the stored message
    created_at: datetime
    payload_base64: str | None = None


class DeadLetterPage(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first; pass `next_after` as `after` for the next page."""

    items: list[DeadLetter]
    next_after: int | None = None


class DeadLetterReplayed(msgspec.Struct, frozen=True, kw_only=True):
    letter: int
    replayed_as: str  # the new event id: the consumers' inbox sees a new event
    stream: str
    seq: int
