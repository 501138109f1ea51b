"""The CloudEvents 1.0 envelope every skillsreg event travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

import msgspec
import uuid_utils

T = TypeVar("T")

EventId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="UUIDv7, or a client-supplied idempotency key.",
    ),
]


def new_event_id() -> str:
    """A fresh UUIDv7: time-ordered, so ids sort roughly by creation."""
    return str(uuid_utils.uuid7())


def utc_now() -> datetime:
    return datetime.now(UTC)


class Event(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """CloudEvents 1.0 structured-mode JSON, plus `actor` and a payload `schema` version.

    `type` is the canonical subject (`skills.<context>.<entity>.<verb>`); the NATS subject an
    event travels on may carry a different root when a deployment namespaces its subjects.
    """

    id: EventId
    source: str
    type: str
    data: T
    specversion: str = "1.0"
    time: datetime = msgspec.field(default_factory=utc_now)
    subject: str | None = None
    datacontenttype: str = "application/json"
    actor: str = "system"
    schema: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1


class RawEvent(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope with its payload left undecoded, to route before decoding `data`."""

    id: EventId
    source: str
    type: str
    data: msgspec.Raw
    specversion: str = "1.0"
    time: datetime | None = None
    subject: str | None = None
    datacontenttype: str = "application/json"
    actor: str = "system"
    schema: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
