"""Platform ceilings and the occupations path, as ratios to raw measurements in the same run.

1. JetStream publish with Nats-Msg-Id (raw nats-py) vs `Bus.publish` of enveloped events.
2. JetStream pull consume + ack (raw) vs the platform consumer applying small releases.
3. Postgres COPY of the 2022 classification rows (raw) vs importing it as a release event.
4. HTTP: `GET /health/live` (framework ceiling) vs `GET /occupations/{code}` under load.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import asyncpg
import httpx
import msgspec
from nats.js.api import ConsumerConfig

from schemas.envelope import Event
from services.occupations.baseline import read_baseline, release_event
from services.platform.bus import Bus
from services.platform.embedded import free_port
from services.platform.settings import Settings

from .report import Report, Result, load
from .servers import BenchServers, ServiceProcess, bench_servers, wait_for_count, wait_ready

ROOT = Path(__file__).resolve().parents[1]


async def publish_ceiling(servers: BenchServers, count: int, report: Report) -> float:
    bus = await Bus.connect(servers.nats_url, root=servers.root)
    await bus.ensure_streams(["benchraw", "occupations"])
    payload = b"x" * 512
    subject = f"{servers.root}.benchraw.sample.created"
    started = time.perf_counter()
    for n in range(count):
        await bus.js.publish(subject, payload, headers={"Nats-Msg-Id": f"raw-{n}"})
    raw = count / (time.perf_counter() - started)

    started = time.perf_counter()
    for n in range(count):
        event = Event(
            id=f"ev-{n}",
            source="/bench",
            type="skills.benchraw.sample.created",
            data={"n": n, "pad": "x" * 480},
        )
        await bus.publish(event)
    ours = count / (time.perf_counter() - started)
    report.add(Result("Bus.publish (CloudEvents envelope)", ours, "msg/s", "raw js.publish", raw))

    sub = await bus.js.pull_subscribe(
        subject,
        durable="bench-raw",
        stream=bus.stream_name("benchraw"),
        config=ConsumerConfig(max_ack_pending=-1),
    )
    started, seen = time.perf_counter(), 0
    while seen < count:
        msgs = await sub.fetch(256, timeout=5)
        for msg in msgs:
            await msg.ack()
        seen += len(msgs)
    report.add(
        Result(
            "raw pull consume + ack",
            seen / (time.perf_counter() - started),
            "msg/s",
            "(ceiling for consumers)",
            0,
        )
    )
    report.results[-1].baseline = report.results[-1].value
    await bus.close()
    return report.results[-1].value


async def consumer_throughput(
    servers: BenchServers, count: int, raw: float, report: Report
) -> None:
    """Small releases through a real worker process (consumer + inbox + outbox), vs raw consume."""
    bus = await Bus.connect(servers.nats_url, root=servers.root)
    db = await asyncpg.connect(servers.database_url)
    await import_baseline(servers, bus, db)
    groups = await db.fetch(
        "SELECT code FROM occupations.occupation WHERE level = 3 ORDER BY code LIMIT $1", count
    )
    from tests.releases import occupation, release
    from tests.releases import release_event as small_event

    for n, g in enumerate(groups):
        await bus.publish(small_event(release(f"bench-{n:04d}", occupation(g["code"][:-2] + "96"))))
    applied = "SELECT count(*) FROM occupations.release WHERE release_id LIKE 'bench-%'"
    with ServiceProcess(servers):
        # Time from the first applied event to the last, so start-up does not count.
        await wait_for_count(db, applied, 1, 120)
        started, first = time.perf_counter(), await db.fetchval(applied)
        await wait_for_count(db, applied, len(groups), 300)
        rate = (len(groups) - first) / (time.perf_counter() - started)
    report.add(
        Result("consumer: release events applied", rate, "events/s", "raw pull consume + ack", raw)
    )
    await db.close()
    await bus.close()


async def import_baseline(servers: BenchServers, bus: Bus, db: asyncpg.Connection) -> None:
    if await db.fetchval("SELECT count(*) FROM occupations.release WHERE release_id = 'csco-2022'"):
        return
    release, _ = read_baseline(Settings().baseline_csv)
    await bus.publish(release_event(release, actor="bench", source="/bench"))
    with ServiceProcess(servers):
        await wait_for_count(
            db, "SELECT count(*) FROM occupations.release WHERE release_id = 'csco-2022'", 1, 120
        )


async def baseline_import(servers: BenchServers, report: Report) -> None:
    """Raw COPY of the classification rows vs the whole event path for the same rows."""
    release, _ = read_baseline(Settings().baseline_csv)
    rows = [msgspec.structs.astuple(i) for i in release.items]
    db = await asyncpg.connect(servers.database_url)
    await db.execute(
        """CREATE TEMP TABLE raw_copy (code text, level int, name_zh text, name_en text,
        definition text, tasks text[], aliases text[], tags text[], work_types text[],
        invented text[], name_en_source text)"""
    )
    started = time.perf_counter()
    await db.copy_records_to_table("raw_copy", records=rows)
    raw = len(rows) / (time.perf_counter() - started)

    bus = await Bus.connect(servers.nats_url, root=servers.root)
    await bus.ensure_streams(["occupations"])
    with ServiceProcess(servers) as worker:
        await worker.ready()  # the clock starts once the consumer is subscribed
        started = time.perf_counter()
        await bus.publish(release_event(release, actor="bench", source="/bench"))
        await wait_for_count(
            db, "SELECT count(*) FROM occupations.release WHERE release_id = 'csco-2022'", 1, 120
        )
        ours = len(rows) / (time.perf_counter() - started)
    report.add(Result("2022 classification import via events", ours, "rows/s", "raw COPY", raw))
    await bus.close()
    await db.close()


async def http_reads(
    servers: BenchServers, requests: int, concurrency: int, report: Report
) -> None:
    port = free_port()
    with ServiceProcess(servers, port=port):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            await wait_ready(client)
            live = await load(client, ["/health/live"] * requests, concurrency)
            code = await load(client, ["/occupations/4-04-05-01"] * requests, concurrency)
    report.add(
        Result("GET /occupations/{code} throughput", code[0], "req/s", "GET /health/live", live[0])
    )
    report.add(
        Result(
            "GET /occupations/{code} p99",
            code[1] * 1000,
            "ms",
            "GET /health/live p99",
            live[1] * 1000,
            higher_is_better=False,
        )
    )


async def main(args: argparse.Namespace) -> Report:
    report = Report("skillsreg platform and occupations")
    async with bench_servers() as servers:
        print(f"[core] publish/consume {args.messages} messages (fsync: sync_interval always)")
        raw_consume = await publish_ceiling(servers, args.messages, report)
        print("[core] 2022 classification import")
        await baseline_import(servers, report)
        print(f"[core] consumer applying {args.releases} release events")
        await consumer_throughput(servers, args.releases, raw_consume, report)
        print(f"[core] HTTP reads: {args.requests} requests, concurrency {args.concurrency}")
        await http_reads(servers, args.requests, args.concurrency, report)
    report.print()
    report.save("core")
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--releases", type=int, default=300)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
