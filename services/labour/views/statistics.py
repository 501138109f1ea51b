"""Rating statistics: certificates in force by year × level × occupation / province / origin.

The public tables hide small counts (`domain.suppression`); the tables of one year share their
level totals, so they are protected together, as one family. Across years nothing is summed
(the years table shows each year's level totals as that year's family published them), so
the years stay independent. Computing the tables costs a second or so at national scale, so
they are computed once per read-model version, by one process at a time, and kept in
`labour.statistics_table`; ministry tokens get full figures, computed on request.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from schemas.labour_reads import (
    Cell,
    StatisticsCell,
    StatisticsCellPage,
    StatisticsRow,
    StatisticsTable,
    SuppressionSummary,
)
from schemas.regions import region_names
from services.platform.db import Pool

from .. import store
from ..domain.cycles import THRESHOLD
from ..domain.suppression import Protection, protect
from .pay import LEVEL_ORDER

DIMENSIONS: tuple[str, ...] = ("occupation", "province", "origin")
ORIGIN_NAMES = {
    "assessment": ("评价考核", "Assessment"),
    "grant": ("竞赛晋级", "Competition grant"),
}
NOTE = (
    "Certificates in force (issued minus revoked), by the exam year their number starts with "
    "and the province of the issuing body. Counts of 1 to 9 are shown as <10; x marks a count "
    "hidden so that no combination of the figures shown gives a hidden one away. Totals over "
    "years are not published (they would link the years' tables)."
)
LOCK = 7_406_114  # advisory lock: one process computes the tables of a version
_table = msgspec.json.Decoder(StatisticsTable)

Key = tuple[str, ...]  # a row of a table: (dimension value,)
Cube = dict[int, dict[str, dict[str, list[int]]]]  # year → dimension → row key → per level


class Labels(msgspec.Struct, frozen=True):
    occupations: dict[str, tuple[str, str]]
    demo_certificates: int


async def cube(pool: Any) -> tuple[Cube, Labels]:
    """Counts per year, dimension, row and level; negative cells (a revocation counted before
    its issue) count as zero, at the finest grain, so every table of a year has the same
    level totals."""
    rows = await pool.fetch(
        """SELECT c.year, c.level, c.occupation_code, b.province, c.origin,
                  sum(c.issued - c.revoked)::int AS n,
                  bool_or(lower(c.body_id || coalesce(b.name, '')) LIKE '%demo%') AS demo
        FROM labour.certificate_count c LEFT JOIN labour.body b USING (body_id)
        GROUP BY 1, 2, 3, 4, 5"""
    )
    out: Cube = defaultdict(
        lambda: {d: defaultdict(lambda: [0] * len(LEVEL_ORDER)) for d in DIMENSIONS}
    )
    demo = 0
    for r in rows:
        n = max(r["n"], 0)
        if not n:
            continue
        demo += n if r["demo"] else 0
        column = LEVEL_ORDER.index(r["level"])
        family = out[r["year"]]
        for dimension, key in zip(
            DIMENSIONS, (r["occupation_code"], r["province"] or "none", r["origin"]), strict=True
        ):
            family[dimension][key][column] += n
    names = await pool.fetch(
        "SELECT code, name_zh, coalesce(name_en, name_zh) AS name_en FROM labour.occupation "
        "WHERE code = any($1::text[])",
        sorted({r["occupation_code"] for r in rows}),
    )
    labels = Labels({r["code"]: (r["name_zh"], r["name_en"]) for r in names}, demo)
    return out, labels


def _label(dimension: str, key: str, labels: Labels) -> tuple[str, str]:
    if dimension == "occupation":
        return labels.occupations.get(key, (key, key))
    if dimension == "province":
        return region_names(None if key == "none" else key)
    return ORIGIN_NAMES.get(key, (key, key))


def _note(labels: Labels) -> str:
    if not labels.demo_certificates:
        return NOTE
    return (
        f"DEMO DATA: {labels.demo_certificates} of these certificates were issued by invented "
        "demo bodies and contests loaded by `make run`; they describe no real person. " + NOTE
    )


def _shown(value: int, cell: tuple[int, int], protection: Protection | None, k: int) -> Cell:
    if protection is None:
        return Cell(value=value, shown=str(value))
    if protection.withheld:
        return Cell(value=None, shown="x")
    hidden = protection.tables[k]
    if cell in hidden.primary:
        return Cell(value=None, shown="<10")
    if cell in hidden.complementary:
        return Cell(value=None, shown="x")
    return Cell(value=value, shown=str(value))


def family_tables(
    year: int,
    family: dict[str, dict[str, list[int]]],
    labels: Labels,
    *,
    full: bool,
    years: list[int],
) -> tuple[dict[str, StatisticsTable], Protection | None]:
    """The year's table for each dimension: public (suppressed together) or full."""
    keys = {d: sorted(family[d]) for d in DIMENSIONS}
    values = [[family[d][k] for k in keys[d]] for d in DIMENSIONS]
    protection = None if full else protect(values, len(LEVEL_ORDER))
    tables = {}
    for k, dimension in enumerate(DIMENSIONS):
        grid = [[*v, sum(v)] for v in values[k]]
        grid.append([sum(v[j] for v in grid) for j in range(len(LEVEL_ORDER) + 1)])
        last = len(grid) - 1
        rows = [
            StatisticsRow(
                key=key,
                name_zh=_label(dimension, key, labels)[0],
                name_en=_label(dimension, key, labels)[1],
                cells=[_shown(v, (i, j), protection, k) for j, v in enumerate(grid[i][:-1])],
                total=_shown(grid[i][-1], (i, len(LEVEL_ORDER)), protection, k),
            )
            for i, key in enumerate(keys[dimension])
        ]
        summary = SuppressionSummary(threshold=THRESHOLD, primary=0, complementary=0)
        if protection is not None:
            summary = SuppressionSummary(
                threshold=THRESHOLD,
                primary=len(protection.tables[k].primary),
                complementary=len(protection.tables[k].complementary),
            )
        tables[dimension] = StatisticsTable(
            year=year,
            rows_by=dimension,
            levels=list(LEVEL_ORDER),
            rows=rows,
            totals=[_shown(v, (last, j), protection, k) for j, v in enumerate(grid[last][:-1])],
            grand_total=_shown(grid[last][-1], (last, len(LEVEL_ORDER)), protection, k),
            full=full,
            suppression=summary,
            years=years,
            note=_note(labels),
        )
    return tables, protection


def all_tables(data: Cube, labels: Labels, *, full: bool) -> dict[str, StatisticsTable]:
    """Every year's tables and the years table, keyed `<rows_by>:<year>` and `year:all`."""
    years = sorted(data)
    out: dict[str, StatisticsTable] = {}
    year_rows = []
    for year in years:
        tables, _ = family_tables(year, data[year], labels, full=full, years=years)
        out |= {f"{d}:{year}": t for d, t in tables.items()}
        first = tables[DIMENSIONS[0]]
        zh = en = str(year)
        year_rows.append(
            StatisticsRow(
                key=str(year), name_zh=zh, name_en=en, cells=first.totals, total=first.grand_total
            )
        )
    out["year:all"] = StatisticsTable(
        year=None,
        rows_by="year",
        levels=list(LEVEL_ORDER),
        rows=year_rows,
        totals=[],
        grand_total=Cell(value=None, shown=""),
        full=full,
        suppression=SuppressionSummary(threshold=THRESHOLD, primary=0, complementary=0),
        years=years,
        note=_note(labels),
    )
    return out


async def public_table(pool: Pool, key: str) -> bytes | None:
    """The encoded public table for `key` (None: no such year or dimension) at the current
    version; computed once, by whoever asks first, when the counts moved since."""
    version = await pool.fetchval("SELECT version FROM labour.statistics_version")
    computed, body = await _cached(pool, key, version)
    if computed:
        return body
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK)
        version = await conn.fetchval("SELECT version FROM labour.statistics_version")
        computed, body = await _cached(conn, key, version)
        if computed:
            return body
        data, labels = await cube(conn)
        encoded = {
            k: msgspec.json.encode(t) for k, t in all_tables(data, labels, full=False).items()
        }
        for k, value in encoded.items():
            await store.store_table(conn, k, version, value)
    return encoded.get(key)


async def _cached(conn: Any, key: str, version: int) -> tuple[bool, bytes | None]:
    """(whether the tables of `version` are computed, the one for `key` if it exists)."""
    rows = await conn.fetch(
        """SELECT table_key, body FROM labour.statistics_table
        WHERE table_key = any($1::text[]) AND version = $2""",
        [key, "year:all"],
        version,
    )
    found = {r["table_key"]: bytes(r["body"]) for r in rows}
    return "year:all" in found, found.get(key)


async def full_table(pool: Pool, key: str) -> StatisticsTable | None:
    data, labels = await cube(pool)
    return all_tables(data, labels, full=True).get(key)


def decode(body: bytes) -> StatisticsTable:
    return _table.decode(body)


async def cells(
    pool: Pool, filters: dict[str, Any], after: tuple[Any, ...] | None, limit: int
) -> StatisticsCellPage:
    """Ministry only: the cube itself, keyset by (year, level, occupation, province, origin)."""
    rows = await pool.fetch(
        """SELECT c.year, c.level, c.occupation_code, b.province, c.origin,
                  sum(c.issued)::int AS issued, sum(c.revoked)::int AS revoked
        FROM labour.certificate_count c LEFT JOIN labour.body b USING (body_id)
        WHERE ($1::int IS NULL OR c.year = $1) AND ($2::text IS NULL OR c.level = $2)
          AND ($3::text IS NULL OR c.occupation_code = $3)
          AND ($4::text IS NULL OR coalesce(b.province, 'none') = $4)
          AND ($5::text IS NULL OR c.origin = $5)
        GROUP BY 1, 2, 3, 4, 5
        HAVING ($6::int IS NULL OR (c.year, c.level, c.occupation_code,
                coalesce(b.province, 'none'), c.origin) > ($6, $7, $8, $9, $10))
        ORDER BY 1, 2, 3, coalesce(b.province, 'none'), 5 LIMIT $11""",
        filters.get("year"),
        filters.get("level"),
        filters.get("occupation_code"),
        filters.get("province"),
        filters.get("origin"),
        *(after or (None,) * 5),
        limit + 1,
    )
    items = [
        StatisticsCell(**dict(r), certificates=r["issued"] - r["revoked"]) for r in rows[:limit]
    ]
    more = len(rows) > limit
    last = items[-1] if more else None
    next_after = None
    if last is not None:
        next_after = "~".join(
            [str(last.year), last.level, last.occupation_code, last.province or "none", last.origin]
        )
    return StatisticsCellPage(items=items, next_after=next_after)
