"""A fetched message as a consumer judges it: decoded into an event, or why it cannot be.

Decoding never raises: nesting and UTF-8 are checked before msgspec sees the bytes
(`safe_input`), text Postgres cannot hold is refused with the field named, and anything else
a decoder throws becomes the refusal reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from nats.aio.msg import Msg

from schemas.envelope import Event, RawEvent

from .safe_input import json_problem


@dataclass
class Delivery:
    msg: Msg
    key: str
    event: Event[Any] | None = None
    event_type: str | None = None
    problem: str | None = None
    ack: bool = False
    readable: bool = False  # JSON safe to decode (nesting and UTF-8 checked)


_raw = msgspec.json.Decoder(RawEvent)


def decode(msg: Msg, decoders: Mapping[str, msgspec.json.Decoder[Any]]) -> Delivery:
    """Route and decode a message; whatever it holds, return a Delivery (never raise)."""
    delivery = Delivery(msg, sequence_key(msg))
    try:
        _decode_into(delivery, decoders)
    except Exception as exc:  # a decoder failing in a way msgspec does not document
        delivery.event = None
        delivery.problem = f"cannot decode: {type(exc).__name__}: {exc}"
    return delivery


def _decode_into(delivery: Delivery, decoders: Mapping[str, msgspec.json.Decoder[Any]]) -> None:
    data = delivery.msg.data
    problem = json_problem(data)  # nesting and UTF-8 before anything decodes
    if problem is not None and problem.field == "$":
        delivery.problem = f"not a valid event envelope: {problem.message}"
        return
    delivery.readable = True
    try:
        raw = _raw.decode(data)
    except msgspec.DecodeError as exc:
        delivery.problem = f"not a valid event envelope: {exc}"
        return
    delivery.key, delivery.event_type = raw.id, raw.type
    if problem is not None:
        delivery.problem = f"text that cannot be stored: {problem}"
        return
    decoder = decoders.get(raw.type)
    if decoder is None:
        delivery.problem = f"no handler for event type {raw.type!r}"
        return
    try:
        delivery.event = decoder.decode(data)
    except msgspec.DecodeError as exc:
        delivery.problem = f"invalid {raw.type} payload: {exc}"


def subject_of(delivery: Delivery, field_name: str | None) -> str | None:
    """What the event is about, to find its dead letter by: the payload's `field_name`
    (ConsumerSpec.subject_field), else the envelope's `subject`."""
    envelope = delivery.event
    if envelope is not None:
        value = getattr(envelope.data, field_name, None) if field_name else None
        return value if isinstance(value, str) else envelope.subject
    if not delivery.readable:
        return None
    try:
        raw = msgspec.json.decode(delivery.msg.data)  # checked: nesting and UTF-8
    except Exception:
        return None
    if not isinstance(raw, dict):
        return None
    data = raw.get("data")
    value = data.get(field_name) if field_name and isinstance(data, dict) else None
    value = value if isinstance(value, str) else raw.get("subject")
    return value if isinstance(value, str) else None


def sequence_key(msg: Msg) -> str:
    return f"seq:{msg.metadata.stream}:{msg.metadata.sequence.stream}"


def delivered(msg: Msg) -> int:
    return msg.metadata.num_delivered or 1
