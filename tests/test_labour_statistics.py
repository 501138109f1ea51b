"""Rating statistics: small counts hidden so that nothing public recovers them; ministry tokens
see every figure; a revoked certificate leaves the figures.

The suppression proof is checked two ways on random families of linked tables: exact linear
algebra over every published equation (no hidden cell is a combination of public figures),
and a second family of tables (the witness) that agrees on everything published, keeps every
hidden count in what the public knows of it (1-9 for "<10", at least 10 for "x") and differs
in the hidden cell. Bodies, codes and candidates are invented.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from services.labour.domain.cycles import THRESHOLD
from services.labour.domain.suppression import Protection, protect, witness

from .conftest import Client
from .harness import eventually
from .test_ratings_helpers import CODE, candidate, publish_codes

# -- the proof, on random families ------------------------------------------------------------


def family(rng: random.Random) -> list[list[list[int]]]:
    """One to three tables sharing their column totals (one data set, split three ways)."""
    columns = rng.randint(1, 5)
    first = [
        [rng.choice([0, 0, 1, 2, 3, 5, 8, 9, 10, 11, 14, 30, 80]) for _ in range(columns)]
        for _ in range(rng.randint(1, 6))
    ]
    tables = [first]
    for _ in range(rng.randint(0, 2)):
        rows = [[0] * columns for _ in range(rng.randint(1, 4))]
        for j in range(columns):
            for _ in range(sum(r[j] for r in first)):
                rows[rng.randrange(len(rows))][j] += 1
        tables.append(rows)
    return tables


def stepped(protection: Protection, steps: list[list[tuple[tuple[int, int], int]]]) -> list[Any]:
    grids = []
    for table, table_steps in zip(protection.family, steps, strict=True):
        grid = [row[:] for row in table.grid]
        for cell, change in table_steps:
            grid[cell[0]][cell[1]] += change * table.sign(cell)  # grid step → count change
        grids.append(grid)
    return grids


def agrees_in_public(protection: Protection, grids: list[Any]) -> bool:
    for table, hidden, grid in zip(protection.family, protection.tables, grids, strict=True):
        last_row, last_col = len(grid) - 1, len(grid[0]) - 1
        if any(sum(row[:last_col]) != row[last_col] for row in grid[:last_row]):
            return False
        if any(
            sum(r[j] for r in grid[:last_row]) != grid[last_row][j] for j in range(last_col + 1)
        ):
            return False
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if (i, j) in hidden.primary:
                    ok = 1 <= value < THRESHOLD
                elif (i, j) in hidden.complementary:
                    ok = value >= THRESHOLD
                else:
                    ok = value == table.grid[i][j]
                if not ok:
                    return False
    return len({tuple(g[-1]) for g in grids}) == 1  # the shared row, one in every table


def determined(protection: Protection) -> list[Any]:
    """Hidden cells some combination of the published equations pins down (Gauss–Jordan over
    the rationals; the shared row is one set of unknowns for the whole family)."""
    unknowns: dict[Any, int] = {}
    equations = []
    for k, (table, hidden) in enumerate(zip(protection.family, protection.tables, strict=True)):
        rows, cols = len(table.grid), len(table.grid[0])
        lines = [[(i, j) for j in range(cols)] for i in range(rows)]
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]
        for line in lines:
            equation: dict[int, Fraction] = {}
            for cell in line:
                if cell in hidden.hidden:
                    key = ("shared", cell[1]) if cell[0] == table.shared else (k, cell)
                    index = unknowns.setdefault(key, len(unknowns))
                    equation[index] = equation.get(index, Fraction(0)) + table.sign(cell)
            if equation:
                equations.append(equation)
    matrix = [[e.get(v, Fraction(0)) for v in range(len(unknowns))] for e in equations]
    pivot_row = 0
    for col in range(len(unknowns)):
        pivot = next((r for r in range(pivot_row, len(matrix)) if matrix[r][col]), None)
        if pivot is None:
            continue
        matrix[pivot_row], matrix[pivot] = matrix[pivot], matrix[pivot_row]
        lead = matrix[pivot_row][col]
        matrix[pivot_row] = [x / lead for x in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][col]:
                factor = matrix[r][col]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivot_row += 1
    names = {v: k for k, v in unknowns.items()}
    # A reduced row with one unknown left states its value outright.
    return [
        names[next(i for i, x in enumerate(row) if x)]
        for row in matrix[:pivot_row]
        if sum(1 for x in row if x) == 1
    ]


def test_no_hidden_cell_can_be_recovered_from_the_public_figures() -> None:
    rng = random.Random(2026)
    checked = 0
    for _ in range(250):
        tables = family(rng)
        protection = protect(tables, len(tables[0][0]))
        assert not protection.withheld, tables
        assert determined(protection) == [], tables
        for k, hidden in enumerate(protection.tables):
            assert all(protection.family[k].value(c) < THRESHOLD for c in hidden.primary)
            for cell in hidden.hidden:
                steps = witness(protection.family, protection.pairs, k, cell)
                assert steps, (tables, k, cell)
                grids = stepped(protection, steps)
                assert agrees_in_public(protection, grids), (tables, k, cell)
                assert grids[k][cell[0]][cell[1]] != protection.family[k].value(cell)
                checked += 1
    assert checked > 1000


def test_a_lone_small_count_takes_others_with_it_including_totals_where_needed() -> None:
    # One row: its column totals equal its cells, so hiding 5 needs a total hidden too.
    protection = protect([[[5, 40, 30]]], 3)
    (table,) = protection.tables
    assert table.primary == {(0, 0), (1, 0)}  # the cell and its column total
    assert len(table.complementary) >= 2
    assert not protection.withheld


# -- through the services ---------------------------------------------------------------------


async def test_statistics_hide_small_counts_and_a_revocation_leaves_them(client: Client) -> None:
    pool = client.runtime.pool
    await publish_codes(client, [(CODE, "active")], 20_000)
    ministry = await client.token("ministry", "mohrss")
    registered = await client.post(
        "/evaluation-bodies",
        json={"body_id": "stat-school", "name": "统计测试学校（虚构）", "kind": "social",
              "province": "440000"},
        headers=ministry,
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    authorised = await client.post(
        "/evaluation-bodies/stat-school/authorisations",
        json={
            "occupation_code": CODE,
            "levels": ["junior", "intermediate"],
            "valid_from": "2026-01-01",
        },
        headers=ministry,
    )
    assert authorised.status_code == 201
    school = await client.token("evaluation_body", "stat-school")
    candidates = [candidate(n, "junior") for n in range(12)]
    candidates += [candidate(100 + n, "intermediate") for n in range(3)]
    batch = await client.post(
        "/assessment-batches",
        json={"batch_id": "stat-batch-1", "body_id": "stat-school", "exam_date": "2026-06-15",
              "candidates": candidates},
        headers=school | {"Prefer": "wait=15"},
    )  # fmt: skip
    assert batch.status_code in (200, 201), batch.text
    await eventually(
        lambda: pool.fetchval("SELECT coalesce(sum(issued), 0) FROM labour.certificate_count"),
        until=lambda n: n == 15,
    )

    public = (await client.get("/labour/rating-statistics", params={"rows": "province"})).json()
    assert public["year"] == 2026 and not public["full"]
    (row,) = public["rows"]
    assert (row["key"], row["name_zh"]) == ("440000", "广东省")
    shown = dict(zip(public["levels"], row["cells"], strict=True))
    assert shown["intermediate"] == {"value": None, "shown": "<10"}
    assert shown["junior"]["shown"] in ("x", "<10")  # hidden too, or 12 = 15 - 3 gives 3 away
    assert row["total"] == {"value": 15, "shown": "15"} and public["grand_total"] == {
        "value": 15,
        "shown": "15",
    }
    full = await client.get(
        "/labour/rating-statistics", params={"rows": "province"}, headers=ministry
    )
    assert full.json()["full"] and full.headers["cache-control"] == "private, no-store"
    cells = dict(zip(full.json()["levels"], full.json()["rows"][0]["cells"], strict=True))
    assert (cells["junior"], cells["intermediate"]) == (
        {"value": 12, "shown": "12"},
        {"value": 3, "shown": "3"},
    )
    assert (await client.get("/labour/rating-statistics/cells")).status_code == 401

    # Revoke one intermediate certificate: the figures lose it, for everyone.
    number = await pool.fetchval(
        "SELECT number FROM ratings.certificate WHERE level = 'intermediate' LIMIT 1"
    )
    revoked = await client.post(
        f"/certificates/{number}/revocation", json={"reason": "test (invented)"}, headers=ministry
    )
    assert revoked.status_code == 201, revoked.text
    await eventually(
        lambda: pool.fetchval("SELECT coalesce(sum(revoked), 0) FROM labour.certificate_count"),
        until=lambda n: n == 1,
    )
    full = (await client.get("/labour/rating-statistics/cells", headers=ministry)).json()
    assert {(c["level"], c["province"], c["issued"], c["revoked"], c["certificates"])
            for c in full["items"]} == {("junior", "440000", 12, 0, 12),
                                        ("intermediate", "440000", 3, 1, 2)}  # fmt: skip
    public = (await client.get("/labour/rating-statistics", params={"rows": "origin"})).json()
    assert public["grand_total"] == {"value": 14, "shown": "14"}
    years = (await client.get("/labour/rating-statistics/years")).json()
    assert [r["key"] for r in years["rows"]] == ["2026"] and years["rows"][0]["total"] == {
        "value": 14,
        "shown": "14",
    }

    # The open-data file holds the public tables only: hidden counts stay empty.
    from services.exports.datasets import rating_statistics
    from services.platform.app import create_app
    from services.platform.public_api import PublicApi

    async with PublicApi(create_app(client.runtime, close_runtime=False)) as public_api:
        exported = [row async for row in rating_statistics(public_api)]
    hidden = [r for r in exported if r["rows_by"] == "province" and r["level"] == "intermediate"]
    assert hidden == [
        {"year": 2026, "rows_by": "province", "key": "440000", "name_zh": "广东省",
         "name_en": "Guangdong", "level": "intermediate", "value": None, "shown": "<10"}
    ]  # fmt: skip
