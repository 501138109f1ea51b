"""Medal table and member history under load, as ratios to the raw SQL behind them.

Data is SYNTHETIC (generated, invented): 15 editions of a 60-skill, 80-member competition,
written straight through the competitions store. A `python -m services.competitions` process
serves it on loopback; a load generator asks for medal tables (random edition and ordering)
and member histories (random member); the raw SQL of each read is timed in the same run.
Target from the issue: p99 under 10 ms for both reads.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import date
from pathlib import Path

import httpx

from schemas.competitions import (
    RANK_BY,
    CompetitionCreate,
    Competitor,
    MemberCreate,
    ResultLine,
    SkillCreate,
    SkillResults,
)
from services.competitions import handlers, store, views
from services.platform.db import Pool, create_pool
from services.platform.embedded import free_port

from .report import Report, Result, load, percentile
from .servers import ServiceProcess, bench_servers, wait_ready

ROOT = Path(__file__).resolve().parents[1]
SECTORS = (
    "construction_building_technology",
    "creative_arts_fashion",
    "information_communication_technology",
    "manufacturing_engineering_technology",
    "social_personal_services",
    "transportation_logistics",
)
TARGET_MS = 10.0


def member_codes(count: int) -> list[str]:
    return [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(count)]


async def generate(pool: Pool, editions: int, skills: int, members: int) -> list[str]:
    """Synthetic competitions SYN2000, SYN2002, … with every member in every skill."""
    rng = random.Random(47)
    codes = member_codes(members)
    await store.upsert_members(
        pool, [MemberCreate(code=c, name_en=f"Synthetic member {c}") for c in codes], rename=False
    )
    competitions = []
    for n in range(editions):
        year = 2000 + 2 * n
        code = f"SYN{year}"
        competitions.append(code)
        await store.insert_competition(
            pool,
            CompetitionCreate(
                code=code,
                name=f"Synthetic benchmark competition {year}",
                kind="worldskills",
                organiser="bench",
                starts_on=date(year, 9, 1),
                ends_on=date(year, 9, 5),
                note="SYNTHETIC benchmark data: invented.",
            ),
            "bench",
        )
        await store.insert_skills(
            pool,
            code,
            [
                SkillCreate(
                    number=f"{s:02d}",
                    name_en=f"Synthetic skill {s:02d}",
                    sector=SECTORS[s % len(SECTORS)],  # type: ignore[arg-type]
                )
                for s in range(1, skills + 1)
            ],
        )
        results = [
            SkillResults(
                skill=f"{s:02d}",
                revision=1,
                results=[
                    ResultLine(
                        member=m,
                        competitors=[Competitor(id=f"syn-{s:02d}-{m}-{year}", name="Synthetic")],
                        mark=round(rng.gauss(700, 30), 1),
                    )
                    for m in codes
                ],
            )
            for s in range(1, skills + 1)
        ]
        event = handlers.results_event(
            code, results, actor="bench", event_id=f"bench:{code}", source="/bench"
        )
        competition = await store.get_competition(pool, code)
        rows = handlers.result_rows(results, handlers.rules_of(competition), event)
        async with pool.acquire() as conn, conn.transaction():
            await store.apply_results(conn, code, *rows)
            await handlers.refresh_standings(conn, code)
    return competitions


async def raw_p99(pool: Pool, competitions: list[str], members: list[str], n: int) -> dict:
    """The SQL of each read, run directly on the pool, one at a time."""
    rng = random.Random(1)
    timings: dict[str, list[float]] = {"table": [], "history": []}
    for _ in range(n):
        t0 = time.perf_counter()
        await views.standings(pool, rng.choice(competitions), rng.choice(RANK_BY))
        timings["table"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await views.member_standings(pool, rng.choice(members), since=None, until=None, kind=None)
        timings["history"].append(time.perf_counter() - t0)
    return {k: percentile(v, 0.99) for k, v in timings.items()}


async def main(args: argparse.Namespace) -> Report:
    report = Report("competitions: medal table and member history (synthetic data)")
    async with bench_servers() as servers:
        pool = await create_pool(servers.database_url, max_size=4)
        started = time.perf_counter()
        competitions = await generate(pool, args.editions, args.skills, args.members)
        print(
            f"[competitions] generated {args.editions} editions x {args.skills} skills x "
            f"{args.members} members in {time.perf_counter() - started:.1f}s (synthetic)"
        )
        members = member_codes(args.members)
        raw = await raw_p99(pool, competitions, members, args.requests // 4)
        rng = random.Random(2)
        tables = [
            f"/competitions/{rng.choice(competitions)}/medal-table?rank_by={rng.choice(RANK_BY)}"
            for _ in range(args.requests)
        ]
        histories = [f"/members/{rng.choice(members)}/history" for _ in range(args.requests)]
        port = free_port()
        with ServiceProcess(servers, port, service="competitions"):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
                await wait_ready(c)
                await load(c, tables[:200] + histories[:200], args.concurrency)  # warm up
                single = {
                    "table": (await load(c, tables[: args.requests // 4], 1))[1],
                    "history": (await load(c, histories[: args.requests // 4], 1))[1],
                }
                table_rate, table_p99 = await load(c, tables, args.concurrency)
                history_rate, history_p99 = await load(c, histories, args.concurrency)
        await pool.close()
    for name, p99, base in (
        ("GET medal-table p99 (one client)", single["table"], raw["table"]),
        ("GET member history p99 (one client)", single["history"], raw["history"]),
    ):
        report.add(
            Result(
                name,
                p99 * 1000,
                "ms",
                "raw SQL p99, sequential",
                base * 1000,
                higher_is_better=False,
            )
        )
    for name, p99, rate, base in (
        ("GET medal-table", table_p99, table_rate, raw["table"]),
        ("GET member history", history_p99, history_rate, raw["history"]),
    ):
        verdict = "meets" if p99 * 1000 < TARGET_MS else "misses"
        report.add(
            Result(
                f"{name} p99 (c={args.concurrency}, {rate:,.0f} req/s)",
                p99 * 1000,
                "ms",
                "raw SQL p99, sequential",
                base * 1000,
                higher_is_better=False,
                note=f"{verdict} the {TARGET_MS:g} ms target",
            )
        )
        print(f"  {name}: p99 {p99 * 1000:.2f} ms {verdict} the {TARGET_MS:g} ms target")
    report.print()
    report.save("competitions_tables")
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--editions", type=int, default=15)
    parser.add_argument("--skills", type=int, default=60)
    parser.add_argument("--members", type=int, default=80)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
