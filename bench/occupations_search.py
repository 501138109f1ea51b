"""Occupation search: p99 of `GET /occupations?q=` on the full catalogue, next to raw SQL.

Same run, same database: (1) the bare trigram query (`<%` on the GIN index) through asyncpg,
(2) the endpoint's ranked search SQL through asyncpg, (3) the HTTP endpoint served by
`python -m services.occupations` on loopback, driven by httpx at each concurrency. Queries
mix exact names, name fragments, aliases, code prefixes, misspelt English and pinyin. The target
is a p99 under 10 ms; ratios are raw SQL p99 / ours (100% = no overhead over the raw query).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import asyncpg
import httpx

from services.occupations.pinyin import pinyin_keys
from services.occupations.views import occupations as views
from services.platform.bus import Bus
from services.platform.embedded import free_port

from .core import import_baseline
from .report import Report, Result, percentile
from .servers import BenchServers, ServiceProcess, bench_servers, wait_ready

TARGET_P99_MS = 10.0


async def search_terms(db: asyncpg.Connection, count: int, seed: int = 7) -> list[str]:
    """Exact names, 2-4 character fragments, aliases, code prefixes, English typos and pinyin."""
    rows = await db.fetch(
        "SELECT code, name_zh, aliases FROM occupations.occupation WHERE level = 4 ORDER BY code"
    )
    rng = random.Random(seed)
    english = ["programer", "enginer", "technician", "operator", "designer", "data analyst"]
    terms: list[str] = []
    while len(terms) < count:
        row = rng.choice(rows)
        kind = len(terms) % 6
        if kind == 0:
            terms.append(row["name_zh"])
        elif kind == 1:
            name = row["name_zh"]
            start = rng.randrange(max(1, len(name) - 3))
            terms.append(name[start : start + rng.choice((2, 3, 4))])
        elif kind == 2 and row["aliases"]:
            terms.append(rng.choice(row["aliases"]))
        elif kind == 3:
            terms.append(row["code"][: rng.choice((1, 4, 7))])
        elif kind == 4:
            terms.append(rng.choice(english))
        else:  # pinyin, full (a prefix of 4-10 letters) or initials
            full, _, initials = pinyin_keys(row["name_zh"]).partition(" ")
            terms.append(rng.choice((full[: rng.randrange(4, 11)], initials or full)))
    return terms


async def measure(
    call: Callable[[str], Awaitable[object]], terms: list[str], concurrency: int, seconds: float
) -> tuple[float, float, int, float]:
    """(p99 seconds, requests per second, count, p50 seconds): each term once, bounded by
    `seconds`."""
    latencies: list[float] = []
    queue = iter(terms)
    deadline = time.monotonic() + seconds

    async def user() -> None:
        for term in queue:
            if time.monotonic() > deadline:
                return
            t0 = time.perf_counter()
            await call(term)
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    p99, p50 = percentile(latencies, 0.99), percentile(latencies, 0.5)
    return p99, len(latencies) / elapsed, len(latencies), p50


async def run(report: Report, servers: BenchServers, args: argparse.Namespace) -> None:
    db = await asyncpg.connect(servers.database_url)
    bus = await Bus.connect(servers.nats_url, root=servers.root)
    try:
        await bus.ensure_streams(["occupations"])
        await import_baseline(servers, bus, db)
        terms = await search_terms(db, args.requests)
    finally:
        await bus.close()
        await db.close()
    pool = await asyncpg.create_pool(servers.database_url, min_size=4, max_size=10)
    assert pool is not None
    port = free_port()
    try:
        with ServiceProcess(servers, port=port):
            base = f"http://127.0.0.1:{port}"
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
                await wait_ready(client)

                async def raw(term: str) -> object:
                    return await views.search_raw(pool, term, limit=20)

                async def ranked(term: str) -> object:
                    return await views.search(
                        pool,
                        term,
                        code_prefix=None,
                        prefix=None,
                        level=None,
                        tag=None,
                        after=None,
                        limit=21,
                    )

                async def http(term: str) -> object:
                    response = await client.get("/occupations?" + urlencode({"q": term}))
                    response.raise_for_status()
                    return response

                await measure(http, terms[:200], 4, 10)  # warm up both sides
                for concurrency in args.concurrency:
                    base_p99, _, _, base_p50 = await measure(raw, terms, concurrency, args.seconds)
                    sql_p99, *_ = await measure(ranked, terms, concurrency, args.seconds)
                    http_p99, rate, done, http_p50 = await measure(
                        http, terms, concurrency, args.seconds
                    )
                    report.add(
                        Result(
                            f"GET /occupations?q= p50 (c={concurrency})",
                            http_p50 * 1000,
                            "ms",
                            "raw trigram SQL p50",
                            base_p50 * 1000,
                            higher_is_better=False,
                        )
                    )
                    report.add(
                        Result(
                            f"ranked search SQL p99 (c={concurrency})",
                            sql_p99 * 1000,
                            "ms",
                            "raw trigram SQL p99",
                            base_p99 * 1000,
                            higher_is_better=False,
                        )
                    )
                    verdict = "meets" if http_p99 * 1000 <= TARGET_P99_MS else "misses"
                    report.add(
                        Result(
                            f"GET /occupations?q= p99 (c={concurrency}, {done} req, "
                            f"{rate:,.0f} req/s; {verdict} {TARGET_P99_MS:g} ms)",
                            http_p99 * 1000,
                            "ms",
                            "raw trigram SQL p99",
                            base_p99 * 1000,
                            higher_is_better=False,
                        )
                    )
    finally:
        await pool.close()


async def main(args: argparse.Namespace) -> Report:
    report = Report("occupation search on the full catalogue")
    async with bench_servers() as servers:
        print(
            f"[occupations_search] {args.requests} queries per step, concurrency {args.concurrency}"
        )
        await run(report, servers, args)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"[occupations_search] load average {load} on {os.cpu_count()} CPUs: figures from a "
        "busy machine are upper bounds; compare the ratios"
    )
    report.print()
    report.save("occupations_search")
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=30.0, help="bound per measurement")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
