"""Dead letters across every service schema: list, inspect, and replay with a new event id.

Each service keeps its own `<schema>.dead_letter`; operators address a letter as
`<schema>:<id>` (ids are per schema). Replay re-publishes the original envelope with a fresh
event id, so the server-side dedupe and the consumers' inbox treat it as a new event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec
from nats.aio.msg import Msg

from schemas.envelope import new_event_id

from .bus import Bus, Published
from .db import Connection, Pool
from .outbox import Outbox
from .safe_input import json_problem, printable

LETTER_ID = re.compile(r"^([a-z_][a-z0-9_]*):(\d+)$")
HEADER_ROOM = 4096  # bytes kept free for the dead-letter copy's headers


async def record_dead_letter(
    conn: Connection,
    bus: Bus,
    *,
    consumer: str,
    outbox: Outbox,
    context: str,
    event_id: str,
    event_type: str | None,
    event_subject: str | None,
    reason: str,
    msg: Msg,
) -> bool:
    """Write the letter and its inbox row, and queue its copy for the dead-letter stream;
    False when the inbox already held the event (handled before: nothing written).

    Only what always stores goes in: the message as raw bytes, text made printable and
    bounded. The stream copy is cut to what the server takes, saying so in a header (the
    table keeps the whole message).
    """
    schema = outbox.schema
    first = await conn.fetchval(
        f"""INSERT INTO {schema}.inbox (consumer, event_id) VALUES ($1, $2)
        ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        event_id,
    )
    if not first:
        return False
    reason = printable(reason)
    subject = bus.canonical(msg.subject)
    await conn.execute(
        f"""INSERT INTO {schema}.dead_letter
            (consumer, event_id, event_type, subject, stream_seq, deliveries, reason, payload,
             event_subject)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        consumer,
        event_id,
        printable(event_type, 200) if event_type is not None else None,
        printable(subject, 200),
        msg.metadata.sequence.stream,
        msg.metadata.num_delivered or 1,
        reason,
        msg.data,
        printable(event_subject, 200) if event_subject is not None else None,
    )
    headers = {
        "Skillsreg-Dead-Reason": reason[:1000],
        "Skillsreg-Consumer": consumer,
        "Skillsreg-Original-Subject": printable(subject, 200),
        "Skillsreg-Event-Id": event_id,
    }
    payload, room = msg.data, max(bus.nc.max_payload - HEADER_ROOM, 0)
    if len(payload) > room:
        payload, headers["Skillsreg-Truncated"] = payload[:room], str(len(payload))
    await outbox.enqueue_bytes(
        conn,
        f"dead:{consumer}:{event_id}",
        bus.dead_letter_subject(context, consumer),
        payload,
        headers,
    )
    return True


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    schema: str
    id: int
    consumer: str
    event_id: str
    event_type: str | None
    subject: str
    deliveries: int
    reason: str
    created_at: Any
    payload: bytes = b""

    @property
    def address(self) -> str:
        return f"{self.schema}:{self.id}"


class NotReplayable(ValueError):
    pass


async def schemas_with_dead_letters(pool: Pool, schemas: Sequence[str]) -> list[str]:
    rows = await pool.fetch(
        """SELECT s FROM unnest($1::text[]) AS s
        WHERE to_regclass(quote_ident(s) || '.dead_letter') IS NOT NULL""",
        sorted(set(schemas)),
    )
    return [r["s"] for r in rows]


async def list_letters(pool: Pool, schemas: Sequence[str], limit: int = 100) -> list[DeadLetter]:
    present = await schemas_with_dead_letters(pool, schemas)
    if not present:
        return []
    # Schema names come from the service registry (identifiers, checked above), not from input.
    union = " UNION ALL ".join(
        f"""SELECT '{s}' AS schema, id, consumer, event_id, event_type, subject, deliveries,
            reason, created_at FROM {s}.dead_letter"""
        for s in present
    )
    rows = await pool.fetch(f"{union} ORDER BY created_at DESC LIMIT $1", limit)
    return [DeadLetter(**dict(r)) for r in rows]


async def get_letter(pool: Pool, schemas: Sequence[str], address: str) -> DeadLetter | None:
    match = LETTER_ID.match(address)
    if not match:
        raise ValueError(f"{address!r} is not a dead-letter id; expected <schema>:<id>")
    schema, number = match.group(1), int(match.group(2))
    if schema not in await schemas_with_dead_letters(pool, schemas):
        return None
    row = await pool.fetchrow(
        f"""SELECT '{schema}' AS schema, id, consumer, event_id, event_type, subject,
        deliveries, reason, created_at, payload FROM {schema}.dead_letter WHERE id = $1""",
        number,
    )
    return DeadLetter(**dict(row)) if row else None


def stored_letter(schema: str, row: Any) -> DeadLetter:
    """A letter from a `<schema>.dead_letter` row read with its payload."""
    return DeadLetter(
        schema=schema,
        id=row["id"],
        consumer=row["consumer"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        subject=row["subject"],
        deliveries=row["deliveries"],
        reason=row["reason"],
        created_at=row["created_at"],
        payload=bytes(row["payload"]),
    )


def replay_envelope(letter: DeadLetter) -> tuple[str, bytes]:
    """The original envelope with a new id (and where it came from), ready to publish."""
    problem = json_problem(letter.payload)
    if problem is not None:
        raise NotReplayable(f"{letter.address} cannot be replayed as it is: {problem}")
    try:
        envelope = msgspec.json.decode(letter.payload)
    except msgspec.DecodeError as exc:
        raise NotReplayable(f"{letter.address} is not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or "type" not in envelope or "data" not in envelope:
        raise NotReplayable(f"{letter.address} is not an event envelope")
    event_id = new_event_id()
    envelope["id"] = event_id
    return event_id, msgspec.json.encode(envelope)


async def replay(bus: Bus, letter: DeadLetter) -> tuple[str, Published]:
    event_id, payload = replay_envelope(letter)
    published = await bus.publish_bytes(
        letter.subject,
        payload,
        msg_id=event_id,
        headers={"Skillsreg-Replay-Of": letter.event_id},
    )
    return event_id, published
