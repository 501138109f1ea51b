"""Ratings ingest: candidates through HTTP → JetStream → worker → certificates, vs raw COPY.

`python -m bench.ratings_ingest --candidates 1000000` is the issue's run (batches of 1,000);
without arguments a smaller run keeps `make bench` short. Reported, as ratios in one run:

1. candidates/s through the whole path (POST /assessment-batches, 202, the consumer judging,
   recording outcomes and issuing certificates) vs a raw Postgres COPY of the same
   certificate rows into a table shaped like `ratings.certificate` (the median of three);
   and the CPU both cost per 1,000 rows, which varies less from run to run;
2. verification p99 (GET /certificates/{number}): during the ingest, from a steady 20/s probe
   against GET /health/live at the same moments; after it, at the full certificate count,
   at one client and at `--verifiers` clients against GET /health/live under the same load;
3. peak memory of each process: the service processes (RSS), nats-server (RSS), Postgres
   (PSS summed over the postmaster and its backends, so shared buffers count once) and this
   driver (RSS).

Two service processes by default, each serving HTTP and running a worker. The load comes
from aiohttp, the lightest client at hand: it shares the machine's cores with what it
measures.

All people are invented: IDs are generated with valid check digits and belong to no one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import httpx
import msgspec

from schemas.envelope import Event, new_event_id
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState
from schemas.ratings import LEVELS
from services.platform.auth import create_token
from services.platform.bus import Bus
from services.platform.national_ids import mod11_2, person_ref
from services.ratings.domain import certificate_number

from .ratings_procs import Memory, Services, cpu_delta
from .report import Report, Result, percentile
from .servers import BenchServers, bench_servers, wait_for_count, wait_ready

ROOT = Path(__file__).resolve().parents[1]
BODY = "bench-enterprise-demo"
CODES = [f"4-98-{m:02d}-{n:02d}" for m in range(1, 6) for n in range(1, 11)]  # invented
LEVEL_MIX = ["junior", "intermediate", "senior", "technician"]
RAW_RUNS = 3


def national_id(i: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=i // 1000)
    digits = f"110105{born:%Y%m%d}{i % 1000:03d}"
    return digits + mod11_2(digits)


def batch_body(batch: int, size: int) -> bytes:
    rng = random.Random(batch)
    candidates = []
    for i in range(batch * size, (batch + 1) * size):
        level = LEVEL_MIX[i % len(LEVEL_MIX)]
        candidate = {
            "national_id": national_id(i),
            "name": f"测试考生{i}",
            "occupation_code": CODES[i % len(CODES)],
            "level": level,
            "theory": rng.randint(59, 100),  # about 2% fail, the rest pass
            "practical": rng.randint(60, 100),
        }
        if LEVELS.index(level) >= LEVELS.index("technician"):
            candidate["review"] = rng.randint(60, 100)
        candidates.append(candidate)
    return msgspec.json.encode(
        {
            "batch_id": f"bench-{batch:07d}",
            "body_id": BODY,
            "exam_date": "2026-06-15",
            "candidates": candidates,
        }
    )


# -- set-up, baseline, ingest, verification ------------------------------------------------------


async def setup(
    servers: BenchServers, db: asyncpg.Connection, client: httpx.AsyncClient
) -> dict[str, str]:
    bus = await Bus.connect(servers.nats_url, root=servers.root)
    changed = CatalogueChanged(
        release_id="bench-codes",
        revision=1,
        published_on=date(2026, 1, 1),
        changes=[OccupationState(code=c, level=4, name_zh=f"基准职业{c}（虚构）") for c in CODES],
    )
    await bus.publish(
        Event(id=new_event_id(), source="/bench", type=CATALOGUE_CHANGED, data=changed)
    )
    await bus.close()
    await wait_for_count(db, "SELECT count(*) FROM ratings.occupation", len(CODES), 60)
    _, ministry = await create_token(db, "ministry", "bench-ministry", "bench")
    _, body = await create_token(db, "evaluation_body", BODY, "bench")
    m = {"Authorization": f"Bearer {ministry}"}
    r = await client.post(
        "/evaluation-bodies",
        json={"body_id": BODY, "name": "Bench enterprise (invented)", "kind": "enterprise"},
        headers=m,
    )
    r.raise_for_status()
    for code in CODES:
        r = await client.post(
            f"/evaluation-bodies/{BODY}/authorisations",
            json={"occupation_code": code, "levels": list(LEVELS), "valid_from": "2026-01-01"},
            headers=m,
        )
        r.raise_for_status()
    return {"Authorization": f"Bearer {body}", "content-type": "application/json"}


def raw_rows(candidates: int) -> list[tuple[object, ...]]:
    """The certificate rows the ingest will write, built before any clock or CPU count starts."""
    key = b"bench-key"
    return [
        (
            certificate_number(2026, 1, i + 1),
            person_ref(national_id(i), key),
            national_id(i)[-4:],
            f"测试考生{i}",
            CODES[i % len(CODES)],
            LEVEL_MIX[i % len(LEVEL_MIX)],
            BODY,
            "assessment",
            f"bench-{i // 1000:07d}",
            date(2026, 6, 15),
            date(2026, 11, 23),
            None,
            2026,
        )
        for i in range(candidates)
    ]


async def raw_copy(db: asyncpg.Connection, rows: list[tuple[object, ...]], runs: int = 3) -> float:
    """COPY the rows into a table shaped and indexed like ratings.certificate, `runs` times
    (a fresh table each time); the median rows/s, since one COPY on a busy machine varies by
    a third from run to run."""
    columns = [
        "number", "person", "id_last4", "name", "occupation_code", "level", "body_id", "origin",
        "origin_id", "exam_date", "issued_on", "grant_id", "year",
    ]  # fmt: skip
    rates = []
    for _ in range(runs):
        await db.execute(
            "CREATE TABLE bench_raw_certificate (LIKE ratings.certificate INCLUDING ALL)"
        )
        started = time.perf_counter()
        await db.copy_records_to_table("bench_raw_certificate", records=rows, columns=columns)
        rates.append(len(rows) / (time.perf_counter() - started))
        await db.execute("DROP TABLE bench_raw_certificate")
    return statistics.median(rates)


async def ingest(
    sessions: list[aiohttp.ClientSession],
    headers: dict[str, str],
    bodies: list[bytes],
    size: int,
    concurrency: int,
    db: asyncpg.Connection,
) -> float:
    """POST every batch (`concurrency` in flight); candidates/s until the last is applied."""
    batches = len(bodies)
    queue = iter(enumerate(bodies))

    async def submitter(n: int) -> None:
        session = sessions[n % len(sessions)]
        for _, body in queue:
            async with session.post("/assessment-batches", data=body, headers=headers) as r:
                text = await r.text()
                if r.status != 202:
                    raise RuntimeError(f"submission refused: {r.status} {text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(submitter(n) for n in range(concurrency)))
    posted = time.perf_counter() - started
    print(f"  all {batches} batches accepted after {posted:.1f}s; waiting for the worker")
    await wait_for_count(db, "SELECT count(*) FROM ratings.assessment_batch", batches, 3600)
    return batches * size / (time.perf_counter() - started)


async def load(
    session: aiohttp.ClientSession, paths: list[str], seconds: float, concurrency: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def user(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            status, text = await get(session, rng.choice(paths))
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"verification failed: {status} {text[:200]}")

    await asyncio.gather(*(user(n) for n in range(concurrency)))
    return latencies, len(latencies)


async def get(session: aiohttp.ClientSession, path: str) -> tuple[int, str]:
    async with session.get(path) as r:
        return r.status, await r.text()


async def verify_during(
    session: aiohttp.ClientSession, url: str, stop: asyncio.Event, rate: float
) -> tuple[list[float], list[float]]:
    """Verifications at a steady `rate` per second while the ingest runs, on certificates
    issued so far, each followed by a GET /health/live as the same-moment baseline: what a
    verifier sees during a busy ingest, without the probe itself becoming the load (the load
    test comes after the ingest). Returns (verification, health) latencies."""
    db = await asyncpg.connect(url)
    await wait_for_count(db, "SELECT count(*) FROM ratings.assessment_batch", 1, 3600)
    verified: list[float] = []
    live: list[float] = []
    rng = random.Random(7)
    numbers: list[str] = []
    due = time.monotonic()
    while not stop.is_set():
        if len(verified) % 200 == 0:
            sample = await db.fetch("SELECT number FROM ratings.certificate LIMIT 500")
            numbers = [r["number"] for r in sample]
        due += 1 / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        for path, latencies in ((f"/certificates/{rng.choice(numbers)}", verified),
                                ("/health/live", live)):  # fmt: skip
            t0 = time.perf_counter()
            status, text = await get(session, path)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {text[:200]}")
    await db.close()
    return verified, live


def p99_ms(latencies: list[float]) -> float:
    return percentile(latencies, 0.99) * 1000


async def main(args: argparse.Namespace) -> Report:
    report = Report("ratings: ingest and verification")
    batches = max(1, args.candidates // args.batch_size)
    async with bench_servers() as servers:
        db = await asyncpg.connect(servers.database_url)
        with Services(servers, args.processes) as services:
            clients = [
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=120)
                for p in services.ports
            ]
            for client in clients:
                await wait_ready(client)
            headers = await setup(servers, db, clients[0])
            # aiohttp for the load itself: it costs the shared two cores a fraction of httpx.
            sessions = [
                aiohttp.ClientSession(
                    base_url=f"http://127.0.0.1:{p}", timeout=aiohttp.ClientTimeout(total=120)
                )
                for p in services.ports
            ]
            memory = Memory(services, servers)
            print(f"[ratings] raw COPY of {batches * args.batch_size:,} certificate rows")
            rows = raw_rows(batches * args.batch_size)
            before = memory.cpu()
            raw = await raw_copy(db, rows, RAW_RUNS)
            raw_cpu = {k: v / RAW_RUNS for k, v in cpu_delta(before, memory.cpu()).items()}
            del rows
            bodies = [batch_body(b, args.batch_size) for b in range(batches)]  # before the clocks
            stop = asyncio.Event()
            sampler = asyncio.create_task(memory.run(stop))
            verifier = asyncio.create_task(
                verify_during(sessions[-1], servers.database_url, stop, args.verify_rate)
            )
            print(
                f"[ratings] ingest {batches:,} batches of {args.batch_size:,} candidates, "
                f"{args.concurrency} in flight, {args.processes} service process(es)"
            )
            before = memory.cpu()
            rate = await ingest(sessions, headers, bodies, args.batch_size, args.concurrency, db)
            del bodies
            ours_cpu = cpu_delta(before, memory.cpu())
            stop.set()
            during, during_live = await verifier
            report.add(
                Result(
                    "ingest: candidates judged and certified",
                    rate,
                    "cand/s",
                    f"raw COPY of certificate rows (median of {RAW_RUNS})",
                    raw,
                )
            )
            per_k = 1000 / (batches * args.batch_size) * 1000  # ms per 1,000 candidates
            ours_ms = (
                ours_cpu["services"] + ours_cpu["postgres"] + ours_cpu["nats-server"]
            ) * per_k
            raw_ms = (raw_cpu["driver"] + raw_cpu["postgres"]) * per_k
            report.add(
                Result(
                    "ingest CPU per 1,000 candidates (services + postgres + nats)",
                    ours_ms,
                    "ms",
                    "raw COPY CPU per 1,000 rows (client + postgres)",
                    raw_ms,
                    higher_is_better=False,
                    note=", ".join(f"{k} {v * per_k:.0f} ms" for k, v in ours_cpu.items()),
                )
            )
            print("  ingest CPU split per 1,000 candidates: " + report.results[-1].note)
            certificates = await db.fetchval("SELECT count(*) FROM ratings.certificate")
            print(f"[ratings] {certificates:,} certificates; verification under load")
            sample = await db.fetch(
                "SELECT number FROM ratings.certificate TABLESAMPLE SYSTEM (1) LIMIT 5000"
            )
            paths = [f"/certificates/{r['number']}" for r in sample] or ["/certificates/x"]
            stop2 = asyncio.Event()
            sampler2 = asyncio.create_task(memory.run(stop2))
            phases = {}
            for users in (1, args.verifiers):
                for name, targets in (("live", ["/health/live"]), ("verify", paths)):
                    phases[name, users] = await load(sessions[0], targets, args.seconds, users)
            stop2.set()
            await asyncio.gather(sampler, sampler2)
            report.add(
                Result(
                    f"verify p99 during ingest ({len(during):,} req at {args.verify_rate:g}/s)",
                    p99_ms(during),
                    "ms",
                    "GET /health/live p99, same moments",
                    p99_ms(during_live),
                    higher_is_better=False,
                )
            )
            for users in (1, args.verifiers):
                (verified, count), (live, live_count) = (
                    phases["verify", users],
                    phases["live", users],
                )
                report.add(
                    Result(
                        f"verify p99 at {certificates:,} certificates, {users} client(s)",
                        p99_ms(verified),
                        "ms",
                        f"GET /health/live p99, {users} client(s)",
                        p99_ms(live),
                        higher_is_better=False,
                    )
                )
                report.add(
                    Result(
                        f"verify throughput, {users} client(s)",
                        count / args.seconds,
                        "req/s",
                        "GET /health/live",
                        live_count / args.seconds,
                    )
                )
            for name, value in memory.peak.items():
                report.add(Result(f"peak memory: {name}", value / 2**20, "MiB"))
            for client in clients:
                await client.aclose()
            for session in sessions:
                await session.close()
        await db.close()
    report.print()
    report.save("ratings_ingest")
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=100_000, help="the issue's run: 1000000")
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="service processes, each serving HTTP and running a worker (deploy runs 2 or more)",
    )
    parser.add_argument("--verifiers", type=int, default=32, help="concurrent verification clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="per verification load phase")
    parser.add_argument(
        "--verify-rate", type=float, default=20.0, help="verifications/s during the ingest"
    )
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
