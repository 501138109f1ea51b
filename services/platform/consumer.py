"""Durable pull consumers: fetch a batch, apply it in one transaction with the inbox, ack after.

Every handled event leaves an inbox row `(consumer, event_id)` written in the same transaction
as its effect, so a redelivered event hits the primary key and applies nothing twice. A message
that can never apply (undecodable, unknown type, rejected by a domain rule, or failing on every
one of `max_deliver` deliveries) is recorded as a dead letter and relayed to the dead-letter
stream through the outbox; the rest of the batch carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from schemas.envelope import Event, RawEvent

from .bus import Bus
from .db import UNAVAILABLE, Connection, Pool
from .logs import get_logger
from .metrics import BATCH_SECONDS, CONSUMER_HEALTHY, EVENTS_HANDLED
from .outbox import Queued, enqueue_bytes, publish_after_commit, publish_committed

log = get_logger(__name__)

REBIND_AFTER = 5  # consecutive failed fetches before the subscription is bound again

Handler = Callable[[Connection, Event[Any]], Awaitable[None]]


class Rejected(Exception):
    """The event is well-formed but can never apply (a domain rule refuses it)."""


@dataclass(frozen=True)
class Route:
    payload: type[Any]
    handler: Handler


@dataclass(frozen=True)
class ConsumerSpec:
    """One durable consumer: which stream, which event types, and the handler for each."""

    name: str
    context: str
    schema: str
    routes: Mapping[str, Route]
    decoders: dict[str, msgspec.json.Decoder[Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        decoders = {t: msgspec.json.Decoder(Event[r.payload]) for t, r in self.routes.items()}  # type: ignore[name-defined]
        object.__setattr__(self, "decoders", decoders)


@dataclass
class Delivery:
    msg: Msg
    key: str
    event: Event[Any] | None = None
    problem: str | None = None
    ack: bool = False


_raw = msgspec.json.Decoder(RawEvent)


class Consumer:
    def __init__(
        self,
        spec: ConsumerSpec,
        bus: Bus,
        pool: Pool,
        *,
        batch: int = 64,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        workers: int = 1,
    ) -> None:
        self.spec = spec
        self.workers = workers
        self.bus = bus
        self.pool = pool
        self.batch = batch
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.healthy = True

    async def subscribe(self) -> Any:
        stream = self.bus.stream_name(self.spec.context)
        config = ConsumerConfig(
            durable_name=self.spec.name,
            name=self.spec.name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_ack_pending=self.batch * 16,
            # Redeliver without limit: this consumer decides when a message is dead.
            max_deliver=-1,
            filter_subjects=[self.bus.subject(t) for t in self.spec.routes],
        )
        await self.bus.js.add_consumer(stream, config)
        return await self.bus.js.pull_subscribe_bind(
            durable=self.spec.name, stream=stream, pending_msgs_limit=self.batch * 4
        )

    async def run(self, stop: asyncio.Event) -> None:
        """`workers` fetch loops, each with its own subscription to the one durable consumer:
        while one waits on Postgres for its batch, another judges the next."""
        await asyncio.gather(*(self.work(stop) for _ in range(self.workers)))

    async def work(self, stop: asyncio.Event) -> None:
        sub: Any = None
        backoff, failures = 0.2, 0
        while not stop.is_set():
            if sub is None:
                # (Re)bind: at start-up, or when fetches keep failing on a stale subscription.
                try:
                    sub = await self.subscribe()
                    log.info("consumer subscribed", consumer=self.spec.name)
                except Exception as exc:
                    self._set_healthy(False)
                    log.warning("cannot subscribe yet", consumer=self.spec.name, error=str(exc))
                    await asyncio.sleep(1.0)
                    continue
            try:
                msgs = await sub.fetch(self.batch, timeout=1.0)
                failures = 0
            except (NatsTimeout, TimeoutError):
                failures = 0
                continue
            except Exception as exc:
                failures += 1
                log.warning("fetch failed", consumer=self.spec.name, error=str(exc))
                if failures >= REBIND_AFTER:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
                    sub, failures = None, 0
                await asyncio.sleep(backoff)
                continue
            try:
                await self.handle_batch(msgs)
                self._set_healthy(True)
                backoff = 0.2
            except UNAVAILABLE as exc:
                # Nothing was committed, so nothing is acked: JetStream redelivers it all.
                self._set_healthy(False)
                log.warning("postgres unavailable; batch left unacked", error=str(exc))
                for msg in msgs:
                    await _quietly(msg.nak(delay=backoff))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _set_healthy(self, value: bool) -> None:
        self.healthy = value
        CONSUMER_HEALTHY.labels(self.spec.name).set(1 if value else 0)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        started = time.perf_counter()
        deliveries = [self.decode(msg) for msg in msgs]
        with publish_after_commit() as derived:
            async with self.pool.acquire() as conn, conn.transaction():
                for delivery in deliveries:
                    await self.apply(conn, delivery, derived)
        BATCH_SECONDS.labels(self.spec.name).observe(time.perf_counter() - started)
        for delivery in deliveries:
            if delivery.ack:
                await _quietly(delivery.msg.ack())
            else:
                await _quietly(delivery.msg.nak(delay=_redelivery_delay(delivery.msg)))
        if derived:
            await publish_committed(self.pool, self.bus, self.spec.schema, derived)

    def decode(self, msg: Msg) -> Delivery:
        key = f"seq:{msg.metadata.stream}:{msg.metadata.sequence.stream}"
        try:
            raw = _raw.decode(msg.data)
        except msgspec.DecodeError as exc:
            return Delivery(msg, key, problem=f"not a valid event envelope: {exc}")
        key = raw.id
        decoder = self.spec.decoders.get(raw.type)
        if decoder is None:
            return Delivery(msg, key, problem=f"no handler for event type {raw.type!r}")
        try:
            return Delivery(msg, key, event=decoder.decode(msg.data))
        except msgspec.DecodeError as exc:
            return Delivery(msg, key, problem=f"invalid {raw.type} payload: {exc}")

    async def apply(self, conn: Connection, delivery: Delivery, derived: list[Queued]) -> None:
        name, schema = self.spec.name, self.spec.schema
        if delivery.problem is not None:
            await self.dead_letter(conn, delivery, delivery.problem)
            return
        assert delivery.event is not None
        mark = len(derived)  # what this event derives is dropped with its savepoint
        try:
            async with conn.transaction():  # a savepoint: one event's failure spares the batch
                first = await conn.fetchval(
                    f"""INSERT INTO {schema}.inbox (consumer, event_id) VALUES ($1, $2)
                    ON CONFLICT DO NOTHING RETURNING true""",
                    name,
                    delivery.key,
                )
                if first:
                    await self.spec.routes[delivery.event.type].handler(conn, delivery.event)
            EVENTS_HANDLED.labels(name, "applied" if first else "duplicate").inc()
            delivery.ack = True
        except Rejected as exc:
            del derived[mark:]
            await self.dead_letter(conn, delivery, str(exc))
        except UNAVAILABLE:
            raise
        except Exception as exc:
            del derived[mark:]
            deliveries = delivery.msg.metadata.num_delivered or 1
            if deliveries >= self.max_deliver:
                reason = f"failed on {deliveries} deliveries: {type(exc).__name__}: {exc}"
                await self.dead_letter(conn, delivery, reason)
            else:
                log.warning(
                    "event failed; will be redelivered",
                    consumer=name,
                    event_id=delivery.key,
                    delivery=deliveries,
                    error=f"{type(exc).__name__}: {exc}",
                )
                EVENTS_HANDLED.labels(name, "retry").inc()

    async def dead_letter(self, conn: Connection, delivery: Delivery, reason: str) -> None:
        """Record the message as handled-by-refusal and queue it for the dead-letter stream."""
        name, schema, msg = self.spec.name, self.spec.schema, delivery.msg
        first = await conn.fetchval(
            f"""INSERT INTO {schema}.inbox (consumer, event_id) VALUES ($1, $2)
            ON CONFLICT DO NOTHING RETURNING true""",
            name,
            delivery.key,
        )
        delivery.ack = True
        if not first:
            return
        event_type = delivery.event.type if delivery.event else _peek_type(msg.data)
        await conn.execute(
            f"""INSERT INTO {schema}.dead_letter
                (consumer, event_id, event_type, subject, stream_seq, deliveries, reason, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            name,
            delivery.key,
            event_type,
            self.bus.canonical(msg.subject),
            msg.metadata.sequence.stream,
            msg.metadata.num_delivered or 1,
            reason,
            msg.data,
        )
        await enqueue_bytes(
            conn,
            schema,
            f"dead:{name}:{delivery.key}",
            self.bus.dead_letter_subject(self.spec.context, name),
            msg.data,
            {
                "Skillsreg-Dead-Reason": reason[:1000],
                "Skillsreg-Consumer": name,
                "Skillsreg-Original-Subject": self.bus.canonical(msg.subject),
                "Skillsreg-Event-Id": delivery.key,
            },
        )
        EVENTS_HANDLED.labels(name, "dead_letter").inc()
        log.warning("event dead-lettered", consumer=name, event_id=delivery.key, reason=reason)


def _peek_type(data: bytes) -> str | None:
    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


def _redelivery_delay(msg: Msg) -> float:
    return min(0.2 * 2 ** (msg.metadata.num_delivered or 1), 10.0)


async def _quietly(ack: Awaitable[None]) -> None:
    # An ack lost on the wire only means a redelivery, which the inbox absorbs.
    try:
        await ack
    except Exception as exc:
        log.debug("ack not delivered", error=str(exc))
