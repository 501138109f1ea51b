"""Durable pull consumers: fetch a batch, apply it in one transaction (in parts, if its events
are big), ack after.

Every handled event leaves an inbox row `(consumer, event_id)` written in the same transaction
as its effect, so a redelivered event hits the primary key and applies nothing twice. A message
that can never apply (undecodable, unknown type, rejected by a domain rule, or failing on every
one of `max_deliver` deliveries) is recorded as a dead letter and relayed to the dead-letter
stream through the outbox; the rest of the batch carries on.

Nothing a message holds may end a fetch loop: decoding refuses what could not be stored
(`safe_input`), a dead letter that cannot be written as it is is written in a form that always
stores, a batch whose transaction fails as a whole is retried message by message, and the
loop itself catches what is left. The runtime restarts a loop that dies anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from schemas.envelope import Event

from .bus import Bus
from .db import UNAVAILABLE, Connection, Pool
from .dead_letters import record_dead_letter
from .deliveries import Delivery, decode, delivered, sequence_key, subject_of
from .logs import get_logger
from .metrics import BATCH_SECONDS, CONSUMER_HEALTHY, EVENTS_HANDLED
from .outbox import Outbox, publish_committed
from .safe_input import printable

log = get_logger(__name__)

REBIND_AFTER = 5  # consecutive failed fetches before the subscription is bound again
# Payload bytes applied in one transaction. A fetch of big events (an assessment batch of
# 1,000 candidates is ~150 KB) is applied in parts, so a process holds the work of a few
# megabytes of events at once, not of `batch` of them: 64 such events in one transaction took
# the consumer process of `make run` from ~100 to ~150 MB. The next fetch asks for about as
# many events as fit (`fetch_size`).
TRANSACTION_BYTES = 2 * 2**20

# A handler applies one event in the consumer's transaction; what it derives goes through the
# outbox it is given.
Handler = Callable[[Connection, Event[Any], Outbox], Awaitable[None]]


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
    # The payload field naming what an event is about (a release id, a batch id): dead letters
    # are found by it; without it, or when absent, the envelope's `subject`.
    subject_field: str | None = None
    decoders: dict[str, msgspec.json.Decoder[Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        decoders = {t: msgspec.json.Decoder(Event[r.payload]) for t, r in self.routes.items()}  # type: ignore[name-defined]
        object.__setattr__(self, "decoders", decoders)


@dataclass
class LoopState:
    """What readiness needs to know of a consumer's fetch loops in this process."""

    running: int = 0  # loops inside `work`
    subscribed: bool = False
    in_flight: int = 0  # batches being applied
    pending: int = 0  # messages the server still holds for the consumer (last seen)
    progress_at: float = field(default_factory=time.monotonic)
    error: str = ""

    def progressed(self, pending: int) -> None:
        self.pending, self.progress_at, self.error = pending, time.monotonic(), ""


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
        self.fetch_size = batch  # fewer while events are big (`fetch_size`)
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.state = LoopState()

    @property
    def healthy(self) -> bool:
        return self.state.subscribed

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
        self.state.running += 1
        try:
            await self._fetch_loop(stop)
        finally:
            self.state.running -= 1

    async def _fetch_loop(self, stop: asyncio.Event) -> None:
        sub: Any = None
        backoff, failures = 0.2, 0
        while not stop.is_set():
            if sub is None:
                # (Re)bind: at start-up, or when fetches keep failing on a stale subscription.
                try:
                    sub = await self.subscribe()
                    log.info("consumer subscribed", consumer=self.spec.name)
                except Exception as exc:
                    self._set_healthy(False, f"cannot subscribe: {exc}")
                    log.warning("cannot subscribe yet", consumer=self.spec.name, error=str(exc))
                    await _sleep_or_stop(stop, 1.0)
                    continue
            try:
                msgs = await sub.fetch(self.fetch_size, timeout=1.0)
                failures = 0
                self.fetch_size = fetch_size(msgs, self.batch)
            except (NatsTimeout, TimeoutError):
                failures = 0
                self._set_healthy(True)
                self.state.progressed(0)  # nothing waiting: idle, not stalled
                continue
            except Exception as exc:
                failures += 1
                log.warning("fetch failed", consumer=self.spec.name, error=str(exc))
                if failures >= REBIND_AFTER:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
                    sub, failures = None, 0
                await _sleep_or_stop(stop, backoff)
                continue
            try:
                self.state.in_flight += 1
                await self.handle_batch(msgs)
                self._set_healthy(True)
                self.state.progressed(_pending_after(msgs))
                backoff = 0.2
            except UNAVAILABLE as exc:
                # Nothing was committed, so nothing is acked: JetStream redelivers it all.
                self._set_healthy(False, f"postgres unavailable: {exc}")
                log.warning("postgres unavailable; batch left unacked", error=str(exc))
                await self._nak_all(msgs, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception as exc:
                # A bug or a message this code did not foresee: nothing was committed; the
                # messages come back after a pause, and the batch path judges them one by one.
                self.state.error = printable(f"{type(exc).__name__}: {exc}", 300)
                log.exception("batch failed; messages will be redelivered", consumer=self.spec.name)
                await self._nak_all(msgs, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.state.in_flight -= 1

    def _set_healthy(self, value: bool, error: str = "") -> None:
        self.state.subscribed = value
        if error:
            self.state.error = printable(error, 300)
        CONSUMER_HEALTHY.labels(self.spec.name).set(1 if value else 0)

    async def _nak_all(self, msgs: list[Msg], delay: float) -> None:
        for msg in msgs:
            if not msg.is_acked:  # a part applied before the failure stays applied
                await _quietly(msg.nak(delay=delay))

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Apply a fetched batch in parts of at most `TRANSACTION_BYTES` of payload (one part
        when its events are small), each in one transaction."""
        for part in by_size(msgs, TRANSACTION_BYTES):
            await self._handle_part(part)

    async def _handle_part(self, msgs: list[Msg]) -> None:
        """Apply messages in one transaction; if the transaction fails as a whole (not because
        Postgres is away), apply each message in a transaction of its own, so one message can
        fail without holding back the rest."""
        try:
            await self._apply_together(msgs)
        except UNAVAILABLE:
            raise
        except Exception:
            if len(msgs) == 1:
                await self._last_resort(msgs[0])
                return
            log.warning("batch failed as a whole; applying one by one", consumer=self.spec.name)
            for msg in msgs:
                try:
                    await self._apply_together([msg])
                except UNAVAILABLE:
                    raise
                except Exception:
                    await self._last_resort(msg)

    async def _apply_together(self, msgs: list[Msg]) -> None:
        started = time.perf_counter()
        deliveries = [decode(msg, self.spec.decoders) for msg in msgs]
        derived = Outbox(self.spec.schema, publish_after_commit=True)
        async with self.pool.acquire() as conn, conn.transaction():
            for delivery in deliveries:
                await self.apply(conn, delivery, derived)
        BATCH_SECONDS.labels(self.spec.name).observe(time.perf_counter() - started)
        for delivery in deliveries:
            if delivery.ack:
                await _quietly(delivery.msg.ack())
            else:
                await _quietly(delivery.msg.nak(delay=_redelivery_delay(delivery.msg)))
        if derived.queued:
            await publish_committed(self.pool, self.bus, self.spec.schema, derived.queued)

    async def _last_resort(self, msg: Msg) -> None:
        """A message whose own transaction failed: redeliver it a few times (the failure may
        pass), then dead-letter it in the form that always stores; if even that cannot be
        written, terminate it so it does not come back forever."""
        deliveries = delivered(msg)
        log.exception("message failed in a transaction of its own", consumer=self.spec.name)
        if deliveries < self.max_deliver:
            EVENTS_HANDLED.labels(self.spec.name, "retry").inc()
            await _quietly(msg.nak(delay=_redelivery_delay(msg)))
            return
        delivery = Delivery(msg, sequence_key(msg))
        reason = f"failed on {deliveries} deliveries in a transaction of its own"
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await self.dead_letter(conn, delivery, reason, Outbox(self.spec.schema))
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("could not record a dead letter; message terminated", seq=delivery.key)
            EVENTS_HANDLED.labels(self.spec.name, "unrecordable").inc()
            await _quietly(msg.term())
            return
        await _quietly(msg.ack())

    async def apply(self, conn: Connection, delivery: Delivery, derived: Outbox) -> None:
        name, schema = self.spec.name, self.spec.schema
        if delivery.problem is not None:
            await self.dead_letter(conn, delivery, delivery.problem, derived)
            return
        assert delivery.event is not None
        mark = len(derived.queued)  # what this event derives is dropped with its savepoint
        try:
            async with conn.transaction():  # a savepoint: one event's failure spares the batch
                first = await conn.fetchval(
                    f"""INSERT INTO {schema}.inbox (consumer, event_id) VALUES ($1, $2)
                    ON CONFLICT DO NOTHING RETURNING true""",
                    name,
                    delivery.key,
                )
                if first:
                    await self.spec.routes[delivery.event.type].handler(
                        conn, delivery.event, derived
                    )
            EVENTS_HANDLED.labels(name, "applied" if first else "duplicate").inc()
            delivery.ack = True
        except Rejected as exc:
            del derived.queued[mark:]
            await self.dead_letter(conn, delivery, str(exc), derived)
        except UNAVAILABLE:
            raise
        except Exception as exc:
            del derived.queued[mark:]
            deliveries = delivered(delivery.msg)
            if deliveries >= self.max_deliver:
                reason = f"failed on {deliveries} deliveries: {type(exc).__name__}: {exc}"
                await self.dead_letter(conn, delivery, reason, derived)
            else:
                log.warning(
                    "event failed; will be redelivered",
                    consumer=name,
                    event_id=delivery.key,
                    delivery=deliveries,
                    error=printable(f"{type(exc).__name__}: {exc}", 300),
                )
                EVENTS_HANDLED.labels(name, "retry").inc()

    async def dead_letter(
        self, conn: Connection, delivery: Delivery, reason: str, outbox: Outbox
    ) -> None:
        """Record the message as handled-by-refusal and queue it for the dead-letter stream.

        In a savepoint: if the letter cannot be written as it is, it is written again keyed by
        its stream sequence, without its event type, with the failure in the reason."""
        msg = delivery.msg
        try:
            async with conn.transaction():
                await self._record(
                    conn, outbox, delivery, delivery.key, delivery.event_type, reason
                )
        except UNAVAILABLE:
            raise
        except Exception as exc:
            why = f"{reason} (recorded by stream sequence: {type(exc).__name__}: {exc})"
            delivery.readable = False
            async with conn.transaction():
                await self._record(conn, outbox, delivery, sequence_key(msg), None, why)
        delivery.ack = True

    async def _record(
        self,
        conn: Connection,
        outbox: Outbox,
        delivery: Delivery,
        key: str,
        event_type: str | None,
        reason: str,
    ) -> None:
        first = await record_dead_letter(
            conn,
            self.bus,
            consumer=self.spec.name,
            outbox=outbox,
            context=self.spec.context,
            event_id=key,
            event_type=event_type,
            event_subject=subject_of(delivery, self.spec.subject_field),
            reason=reason,
            msg=delivery.msg,
        )
        if first:
            EVENTS_HANDLED.labels(self.spec.name, "dead_letter").inc()
            log.warning(
                "event dead-lettered",
                consumer=self.spec.name,
                event_id=key,
                reason=printable(reason, 300),
            )


def _pending_after(msgs: list[Msg]) -> int:
    return msgs[-1].metadata.num_pending or 0 if msgs else 0


def _redelivery_delay(msg: Msg) -> float:
    return min(0.2 * 2 ** delivered(msg), 10.0)


def fetch_size(fetched: list[Msg], batch: int) -> int:
    """How many messages to ask for next: about `TRANSACTION_BYTES` of events like these,
    at most `batch`, so a fetch of big events does not sit in memory waiting for its parts."""
    if not fetched:
        return batch
    mean = sum(len(m.data) for m in fetched) / len(fetched)
    return max(1, min(batch, int(TRANSACTION_BYTES / max(mean, 1.0))))


def by_size(msgs: list[Msg], limit: int) -> Iterator[list[Msg]]:
    """`msgs` in order, in runs of at most `limit` payload bytes (a bigger message alone)."""
    part: list[Msg] = []
    size = 0
    for msg in msgs:
        if part and size + len(msg.data) > limit:
            yield part
            part, size = [], 0
        part.append(msg)
        size += len(msg.data)
    if part:
        yield part


async def _quietly(ack: Awaitable[None]) -> None:
    # An ack lost on the wire only means a redelivery, which the inbox absorbs.
    try:
        await ack
    except Exception as exc:
        log.debug("ack not delivered", error=str(exc))


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
