"""Bus semantics with real NATS and Postgres: dedupe, inbox, dead letters, outbox."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

import msgspec
import nats
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig

from schemas.envelope import Event
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from services.platform.bus import Bus
from services.platform.consumer import (
    TRANSACTION_BYTES,
    Consumer,
    ConsumerSpec,
    Rejected,
    Route,
    by_size,
    fetch_size,
)
from services.platform.db import Connection
from services.platform.outbox import Outbox, publish_committed

from .conftest import Client
from .harness import eventually
from .releases import occupation, release, release_event


async def collect(sub: Any, expected: int, timeout: float = 20.0) -> list[Msg]:
    """Fetch until `expected` messages arrived (fetched messages stay pending, so keep them)."""
    got: list[Msg] = []

    async def more() -> int:
        with contextlib.suppress(nats.errors.TimeoutError):
            got.extend(await sub.fetch(expected - len(got), timeout=1))
        return len(got)

    await eventually(more, until=lambda n: n >= expected, timeout=timeout)
    return got


async def count(client: Client, sql: str, *args: object) -> int:
    return int(await client.runtime.pool.fetchval(sql, *args))


async def releases_applied(client: Client) -> int:
    return await count(client, "SELECT count(*) FROM occupations.release")


async def test_duplicate_publish_is_reported_and_has_no_second_effect(client: Client) -> None:
    event = release_event(release("dup-1", occupation("4-04-05-91")))
    first = await client.runtime.bus.publish(event)
    second = await client.runtime.bus.publish(event)
    assert not first.duplicate
    assert second.duplicate and second.seq == first.seq
    metrics = (await client.get("/metrics")).text
    dropped = (
        'skillsreg_events_published_total{duplicate="true",'
        'subject="skills.occupations.release.published"}'
    )
    assert any(line.startswith(dropped) for line in metrics.splitlines())
    await eventually(lambda: releases_applied(client), until=lambda n: n == 2)
    changes = "SELECT count(*) FROM occupations.occupation_change WHERE code = '4-04-05-91'"
    assert await count(client, changes) == 1


async def duplicates_seen(client: Client) -> float:
    text = (await client.get("/metrics")).text
    line = 'skillsreg_events_handled_total{consumer="occupations-catalogue",outcome="duplicate"}'
    found = [row.split()[-1] for row in text.splitlines() if row.startswith(line)]
    return float(found[0]) if found else 0.0


async def test_redelivered_event_outside_dedupe_window_applies_once(client: Client) -> None:
    """The same event id under another message id (as after the window) hits the inbox."""
    before = await duplicates_seen(client)
    event = release_event(release("dup-2", occupation("4-04-05-92")))
    payload = msgspec.json.encode(event)
    bus = client.runtime.bus
    await bus.publish_bytes(event.type, payload, msg_id="first-copy")
    await bus.publish_bytes(event.type, payload, msg_id="second-copy")
    inbox = "SELECT count(*) FROM occupations.inbox WHERE event_id = $1"
    await eventually(lambda: count(client, inbox, event.id), until=lambda n: n == 1)
    later = release_event(release("dup-2-later", occupation("4-04-05-93")))
    await bus.publish(later)  # once this is applied, both copies have been consumed
    await eventually(lambda: count(client, inbox, later.id), until=lambda n: n == 1)
    assert await count(client, "SELECT count(*) FROM occupations.release") == 3
    assert await count(client, inbox, event.id) == 1
    assert await duplicates_seen(client) == before + 1


async def test_poison_message_is_dead_lettered_and_the_rest_flow(client: Client) -> None:
    bus = client.runtime.bus
    subject = bus.subject("skills.occupations.release.published")
    await bus.js.publish(subject, b"{not json", headers={"Nats-Msg-Id": "poison-1"})
    wrong = {
        "id": "wrong-1",
        "source": "/x",
        "type": "skills.occupations.release.published",
        "data": {"release_id": 7},
    }
    await bus.js.publish(subject, msgspec.json.encode(wrong), headers={"Nats-Msg-Id": "wrong-1"})
    good = release_event(release("after-poison", occupation("4-04-05-94")))
    await bus.publish(good)

    await eventually(lambda: releases_applied(client), until=lambda n: n == 2)
    dead = await eventually(
        lambda: client.runtime.pool.fetch(
            "SELECT event_id, reason FROM occupations.dead_letter ORDER BY id"
        ),
        until=lambda rows: len(rows) == 2,
    )
    assert "not a valid event envelope" in dead[0]["reason"]
    assert dead[1]["event_id"] == "wrong-1" and "release_id" in dead[1]["reason"]

    # ... and both reach the dead-letter stream, with their reason in a header.
    sub = await bus.js.pull_subscribe(
        bus.subject("skills.deadletter.>"),
        stream=bus.stream_name("deadletter"),
        config=ConsumerConfig(),
    )
    msgs = await collect(sub, 2)
    assert msgs[0].data == b"{not json"
    assert msgs[1].headers and "release_id" in msgs[1].headers["Skillsreg-Dead-Reason"]


async def test_text_postgres_cannot_hold_is_dead_lettered_at_once_naming_the_field(
    client: Client,
) -> None:
    bad = release_event(release("nul-name", occupation("4-04-05-95", "bad\x00name")))
    await client.runtime.bus.publish(bad)
    good = release_event(release("after-nul", occupation("4-04-05-96")))
    await client.runtime.bus.publish(good)
    rows = await eventually(
        lambda: client.runtime.pool.fetch("SELECT reason, deliveries FROM occupations.dead_letter"),
        until=lambda r: len(r) == 1,
    )
    assert rows[0]["deliveries"] == 1  # refused on sight, not retried
    assert "data.items[0].name_zh" in rows[0]["reason"] and "NUL" in rows[0]["reason"]
    # Baseline + the good one, not the bad one.
    assert await eventually(lambda: releases_applied(client), until=lambda n: n >= 2) == 2


async def test_event_failing_every_delivery_is_dead_lettered_after_max(client: Client) -> None:
    runtime, probed = client.runtime, "skills.occupations.probe.failing"

    async def fail_unless_told(
        conn: Connection, event: Event[dict[str, Any]], derived: Outbox
    ) -> None:
        if event.data.get("fail"):
            raise RuntimeError("this handler fails on every delivery")

    spec = ConsumerSpec(
        name="test-failing", context="occupations", schema="occupations",
        routes={probed: Route(dict[str, Any], fail_unless_told)},
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(Consumer(spec, runtime.bus, runtime.pool, max_deliver=3).run(stop))
    try:
        for name, fail in (("always-fails", True), ("after-failure", False)):
            await runtime.bus.publish(
                Event(id=name, source="/tests", type=probed, data={"fail": fail})
            )
        rows = await eventually(
            lambda: runtime.pool.fetch(
                "SELECT event_id, reason, deliveries FROM occupations.dead_letter"
            ),
            until=lambda r: len(r) == 1,
        )
        assert (rows[0]["event_id"], rows[0]["deliveries"]) == ("always-fails", 3)
        assert "failed on 3 deliveries" in rows[0]["reason"]
        inbox = "SELECT count(*) FROM occupations.inbox WHERE consumer = 'test-failing'"
        assert await eventually(lambda: count(client, inbox), until=lambda n: n == 2) == 2
    finally:
        stop.set()
        await task


async def test_derived_events_leave_through_the_outbox_once(client: Client) -> None:
    bus = client.runtime.bus
    for n in range(3):
        await bus.publish(release_event(release(f"outbox-{n}", occupation(f"4-04-05-8{n}"))))
    await eventually(lambda: releases_applied(client), until=lambda n: n == 4)
    sub = await bus.js.pull_subscribe(
        bus.subject(CATALOGUE_CHANGED),
        stream=bus.stream_name("occupations"),
        config=ConsumerConfig(),
    )
    msgs = await collect(sub, 3)
    ids = [msgspec.json.decode(m.data)["data"]["release_id"] for m in msgs]
    assert sorted(ids) == ["outbox-0", "outbox-1", "outbox-2"]
    pending = "SELECT count(*) FROM occupations.outbox WHERE published_at IS NULL"
    await eventually(lambda: count(client, pending), until=lambda n: n == 0)


async def test_events_a_consumer_could_not_publish_after_commit_leave_through_the_relay(
    client: Client,
) -> None:
    """The after-commit shortcut loses nothing: with the bus gone at that moment the rows stay
    pending and the relay sends them, once; a rolled-back transaction publishes nothing."""
    runtime = client.runtime
    pending = "SELECT count(*) FROM occupations.outbox WHERE published_at IS NULL AND id = any($1)"

    def derived(n: int) -> Event[Any]:
        return Event(
            id=f"after-commit-{n}",
            source="/tests",
            type=CATALOGUE_CHANGED,
            data=CatalogueChanged(
                release_id=f"after-commit-{n}",
                revision=n,
                published_on=date(2026, 1, 1),
                changes=[],
            ),
        )

    batch = Outbox("occupations", publish_after_commit=True)
    async with runtime.pool.acquire() as conn, conn.transaction():
        for n in (1, 2):
            await batch.enqueue(conn, derived(n))
    queued = batch.queued
    assert [q.msg_id for q in queued] == ["after-commit-1", "after-commit-2"]
    gone = await Bus.connect(runtime.settings.nats_url or "", root=runtime.settings.subject_root)
    await gone.close()
    await publish_committed(runtime.pool, gone, "occupations", queued)
    ids = ["after-commit-1", "after-commit-2"]  # not marked: had they been, no one sends them

    rolled_back = Outbox("occupations", publish_after_commit=True)
    with contextlib.suppress(RuntimeError):
        async with runtime.pool.acquire() as conn, conn.transaction():
            await rolled_back.enqueue(conn, derived(3))
            raise RuntimeError("the handler failed")
    assert (
        await count(
            client, "SELECT count(*) FROM occupations.outbox WHERE id = $1", "after-commit-3"
        )
        == 0
    )
    assert len(rolled_back.queued) == 1  # collected, but the caller never publishes a failed batch

    # The running relay (polling, or told by the NOTIFY) sends both, and marks them.
    await eventually(lambda: count(client, pending, ids), until=lambda n: n == 0)
    sub = await runtime.bus.js.pull_subscribe(
        runtime.bus.subject(CATALOGUE_CHANGED),
        stream=runtime.bus.stream_name("occupations"),
        config=ConsumerConfig(),
    )
    sent: list[str] = []

    async def ours() -> list[str]:
        with contextlib.suppress(nats.errors.TimeoutError):
            sent.extend(msgspec.json.decode(m.data)["id"] for m in await sub.fetch(10, timeout=1))
        return sorted(i for i in sent if i.startswith("after-commit"))

    assert await eventually(ours, until=lambda got: len(got) >= 2) == ids


async def test_what_a_refused_event_derived_is_never_published(client: Client) -> None:
    """An event's savepoint takes its derived events with it: the consumer publishes after
    commit only what the events that applied derived."""
    runtime, probed = client.runtime, "skills.occupations.probe.sent"

    async def derive_then_judge(
        conn: Connection, event: Event[dict[str, Any]], derived: Outbox
    ) -> None:
        await derived.enqueue(
            conn,
            Event(
                id=f"derived:{event.id}",
                source="/tests",
                type="skills.occupations.probe.derived",
                data={},
            ),
        )
        if event.data.get("refuse"):
            raise Rejected("refused after deriving")

    spec = ConsumerSpec(
        name="test-derives", context="occupations", schema="occupations",
        routes={probed: Route(dict[str, Any], derive_then_judge)},
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(Consumer(spec, runtime.bus, runtime.pool).run(stop))
    try:
        for name, refuse in (("refused", True), ("applied", False)):
            await runtime.bus.publish(
                Event(id=name, source="/tests", type=probed, data={"refuse": refuse})
            )
        sub = await runtime.bus.js.pull_subscribe(
            runtime.bus.subject("skills.occupations.probe.>"),
            stream=runtime.bus.stream_name("occupations"),
            config=ConsumerConfig(),
        )
        seen = [msgspec.json.decode(m.data)["id"] for m in await collect(sub, 3)]
        assert sorted(seen) == ["applied", "derived:applied", "refused"]
        with contextlib.suppress(nats.errors.TimeoutError):
            assert not await sub.fetch(1, timeout=1.5)  # and nothing more
        outbox_ids = await runtime.pool.fetch(
            "SELECT id FROM occupations.outbox WHERE id LIKE 'derived:%'"
        )
        assert [r["id"] for r in outbox_ids] == ["derived:applied"]
        dead = "SELECT count(*) FROM occupations.dead_letter WHERE event_id = 'refused'"
        assert await count(client, dead) == 1
    finally:
        stop.set()
        await task


def test_big_events_are_applied_a_few_megabytes_per_transaction_small_ones_together() -> None:
    def msgs(*sizes: int) -> list[Msg]:
        return [Msg(None, data=b"x" * n) for n in sizes]  # type: ignore[arg-type]

    small = msgs(*[2_000] * 64)
    assert [len(p) for p in by_size(small, TRANSACTION_BYTES)] == [64]
    assert fetch_size(small, 64) == 64
    big = msgs(*[150_000] * 64)  # assessment batches of ~1,000 candidates
    parts = list(by_size(big, TRANSACTION_BYTES))
    assert [m for p in parts for m in p] == big  # all of them, in order
    assert all(sum(len(m.data) for m in p) <= TRANSACTION_BYTES for p in parts)
    assert 1 < fetch_size(big, 64) < 64
    huge = msgs(3 * TRANSACTION_BYTES, 10)
    assert [len(p) for p in by_size(huge, TRANSACTION_BYTES)] == [1, 1]
    assert fetch_size(huge, 64) == 1
