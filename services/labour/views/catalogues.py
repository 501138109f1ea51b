"""Reads of demand catalogues: lists, one catalogue with its moves, rank histories, movers."""

from __future__ import annotations

from typing import Any

import asyncpg

from schemas.labour_reads import (
    Catalogue,
    CatalogueEntry,
    CataloguePage,
    CatalogueSummary,
    Move,
    Movers,
    Named,
    RankHistory,
    RankPoint,
    RankSeries,
)
from schemas.regions import region_names
from services.platform.db import Pool

from ..domain.publications import Change, Ranked, movement, movers

SUMMARY = """c.catalogue_id, c.kind, c.region, c.period, c.period_start, c.revision, c.title,
    c.published_on, c.source, c.note, c.applied_at,
    (SELECT count(*) FROM labour.catalogue_entry e WHERE e.catalogue_id = c.catalogue_id)
        AS entries"""


def summary(row: asyncpg.Record) -> CatalogueSummary:
    zh, en = region_names(row["region"])
    return CatalogueSummary(
        catalogue_id=row["catalogue_id"],
        kind=row["kind"],
        region=row["region"],
        region_zh=zh,
        region_en=en,
        period=row["period"],
        revision=row["revision"],
        title=row["title"],
        published_on=row["published_on"],
        source=row["source"],
        note=row["note"],
        entries=row["entries"],
        applied_at=row["applied_at"],
    )


def granularity(period: str) -> str:
    """`Q`, `H` or `` (a year): moves compare a quarter with a quarter, a year with a year."""
    return period[5:6]


async def list_catalogues(
    pool: Pool,
    *,
    kind: str | None,
    region: str | None,
    period: str | None,
    after: str | None,
    limit: int,
) -> CataloguePage:
    """Newest period first; `after` is the last catalogue id of the previous page."""
    rows = await pool.fetch(
        f"""SELECT {SUMMARY} FROM labour.catalogue c
        WHERE ($1::text IS NULL OR c.kind = $1) AND ($2::text IS NULL OR c.region = $2)
          AND ($3::text IS NULL OR c.period = $3)
          AND ($4::text IS NULL OR (c.period_start, c.catalogue_id) < (
                SELECT period_start, $4 FROM labour.catalogue WHERE catalogue_id = $4))
        ORDER BY c.period_start DESC, c.catalogue_id DESC LIMIT $5""",
        kind,
        region,
        period,
        after,
        limit + 1,
    )
    items = [summary(r) for r in rows[:limit]]
    more = len(rows) > limit
    return CataloguePage(items=items, next_after=items[-1].catalogue_id if more else None)


async def _series(pool: Pool, kind: str, region: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"""SELECT {SUMMARY} FROM labour.catalogue c WHERE c.kind = $1 AND c.region = $2
        ORDER BY c.period_start, c.period""",
        kind,
        region,
    )


async def _entries(pool: Pool, catalogue_id: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT e.rank, e.occupation_code, o.name_zh, o.name_en, e.demand_supply_ratio,
                  e.vacancies, e.job_seekers
        FROM labour.catalogue_entry e
        LEFT JOIN labour.occupation o ON o.code = e.occupation_code
        WHERE e.catalogue_id = $1 ORDER BY e.rank""",
        catalogue_id,
    )


async def catalogue(pool: Pool, catalogue_id: str) -> Catalogue | None:
    row = await pool.fetchrow(
        f"SELECT {SUMMARY} FROM labour.catalogue c WHERE c.catalogue_id = $1", catalogue_id
    )
    if row is None:
        return None
    series = await _series(pool, row["kind"], row["region"])
    earlier = [
        r
        for r in series
        if r["period_start"] < row["period_start"]
        and granularity(r["period"]) == granularity(row["period"])
    ]
    previous = earlier[-1] if earlier else None
    before = {}
    if previous is not None:
        before = {
            e["occupation_code"]: e["rank"] for e in await _entries(pool, previous["catalogue_id"])
        }
    entries = [
        CatalogueEntry(
            **dict(e),
            previous_rank=before.get(e["occupation_code"]),
            movement=movement(before.get(e["occupation_code"]), e["rank"], previous is not None),
        )
        for e in await _entries(pool, catalogue_id)
    ]
    return Catalogue(
        catalogue=summary(row),
        previous_period=previous["period"] if previous else None,
        entries=entries,
    )


async def named(pool: Pool, code: str) -> Named | None:
    row = await pool.fetchrow(
        "SELECT code, name_zh, name_en FROM labour.occupation WHERE code = $1", code
    )
    if row is None:
        return None
    return Named(occupation_code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"])


async def rank_history(pool: Pool, code: str) -> RankHistory | None:
    occupation = await named(pool, code)
    if occupation is None:
        return None
    rows = await pool.fetch(
        """SELECT c.kind, c.region, c.period, c.note, e.rank, e.demand_supply_ratio
        FROM labour.catalogue_entry e JOIN labour.catalogue c USING (catalogue_id)
        WHERE e.occupation_code = $1
        ORDER BY c.kind, c.region, c.period_start, c.period""",
        code,
    )
    series: dict[tuple[str, str], list[RankPoint]] = {}
    for r in rows:
        series.setdefault((r["kind"], r["region"]), []).append(
            RankPoint(
                period=r["period"], rank=r["rank"], demand_supply_ratio=r["demand_supply_ratio"]
            )
        )
    return RankHistory(
        occupation=occupation,
        series=[
            RankSeries(
                kind=kind,
                region=region,
                region_zh=region_names(region)[0],
                region_en=region_names(region)[1],
                points=points,
            )
            for (kind, region), points in series.items()
        ],
        note=" / ".join(sorted({r["note"] for r in rows if r["note"]})),
    )


async def catalogue_movers(
    pool: Pool, kind: str, region: str, from_period: str, to_period: str
) -> Movers | None:
    ids = {p: f"{kind}.{region}.{p}" for p in (from_period, to_period)}
    found = await pool.fetch(
        "SELECT catalogue_id, note FROM labour.catalogue WHERE catalogue_id = any($1::text[])",
        list(ids.values()),
    )
    if len({r["catalogue_id"] for r in found}) < len(set(ids.values())):
        return None
    before = await _entries(pool, ids[from_period])
    after = await _entries(pool, ids[to_period])
    names = {e["occupation_code"]: e for e in [*before, *after]}
    moves = movers(
        [Ranked(e["occupation_code"], e["rank"]) for e in before],
        [Ranked(e["occupation_code"], e["rank"]) for e in after],
    )

    def shown(changes: list[Change]) -> list[Move]:
        return [_move(c, names[c.occupation_code]) for c in changes]

    return Movers(
        kind=kind,
        region=region,
        from_period=from_period,
        to_period=to_period,
        entered=shown(moves.entered),
        left=shown(moves.left),
        rose=shown(moves.rose),
        fell=shown(moves.fell),
        note=" / ".join(sorted({r["note"] for r in found if r["note"]})),
    )


def _move(change: Change, entry: Any) -> Move:
    return Move(
        occupation_code=change.occupation_code,
        name_zh=entry["name_zh"],
        name_en=entry["name_en"],
        from_rank=change.from_rank,
        to_rank=change.to_rank,
    )
