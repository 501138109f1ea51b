"""Small-cell suppression with complementary suppression, for a family of linked tables.

A family is the tables of one year (certificates by occupation, by province, by origin; rating
levels across): each has row totals, and all share their last row (certificates per level and
the year's total). A count from 1 to 9 is too few to show (primary: shown "<10"). Hiding it
alone is not enough, as a total minus the other cells gives it back, so more cells are hidden
(complementary: shown "x") until no hidden cell can be worked out.

Why the result is safe. Write a table with its totals as one grid and flip the sign of the
margins (row totals and the shared row, not the grand total): every row and column then sums
to zero, so adding `t` to the cells of a cycle (row, column, row, …) with alternating signs
keeps every total. Of a hidden count the public knows only that it is 1 to 9 ("<10") or at
least 10 ("x"). A hidden cell is safe when one step (t = ±1) along some cycle through hidden
cells keeps every hidden count in its range, in every table of the family at once: then two
families of tables agree on everything published and differ in that cell, and no combination
of public figures recovers it. `protect` hides cells until that holds for every hidden cell;
`witness` builds the second family, and the tests check it.

- A hidden cell outside the shared row lies on a cycle that avoids the shared row (the step
  changes its own table only) or, where none can exist, crosses the shared row through a pair.
- Hidden cells of the shared row go in pairs: a step on one and the matching step on the other
  (the year's total and a level's total move together; two levels' totals oppositely) must be
  absorbed by a cycle avoiding the shared row in every table of the family.

Cycles are paths between row and column nodes: a hidden cell is an arc row→column if its grid
value may rise by one, column→row if it may fall. Cells to hide are chosen by Dijkstra with
their counts as costs (the least information lost); totals cost far more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cycles import (
    THRESHOLD,
    Cell,
    Pair,
    Step,
    Table,
    cheapest_path,
    components,
    extend,
    hidden_arcs,
    in_square,
    reach,
    turns,
    two_way_rings,
)


@dataclass(frozen=True)
class Suppressed:
    """Hidden cells of one table's grid (its last row being the shared row)."""

    primary: frozenset[Cell]
    complementary: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.complementary


@dataclass(frozen=True)
class Protection:
    tables: list[Suppressed]
    pairs: list[Pair]
    withheld: bool  # nothing could protect every hidden cell: publish no figure of the family
    family: list[Table]  # the grids, for `witness`


def protect(tables: Sequence[Sequence[Sequence[int]]], columns: int) -> Protection:
    """What to hide in each table of a family (tables sharing their column totals)."""
    family = [_table(extend(values, columns)) for values in tables]
    assert len({tuple(t.grid[-1]) for t in family}) == 1, "a family shares its column totals"
    for table in family:
        _pair_lines(table)
    pairs: list[Pair] = []
    failed: set[Pair] = set()  # pairs some table can never absorb
    while _private_pass(family, pairs, failed) | _pair_pass(family, pairs, failed):
        pass
    pairs = [p for p in pairs if _absorbed(family, p)]
    withheld = bool(exposed(family, pairs))
    suppressed = [Suppressed(t.primary, frozenset(t.hidden - t.primary)) for t in family]
    return Protection(suppressed, pairs, withheld, family)


def exposed(family: Sequence[Table], pairs: Sequence[Pair]) -> list[tuple[int, Cell]]:
    """Hidden cells no step protects: (table index, cell)."""
    covered = {c for p in pairs for c in (p.first, p.second)}
    out = [(k, c) for k, t in enumerate(family) for c in _unprotected(t, pairs)]
    shared = sorted({c[1] for t in family for c in t.hidden if c[0] == t.shared})
    return out + [(0, (family[0].shared, c)) for c in shared if c not in covered]


def witness(family: Sequence[Table], pairs: Sequence[Pair], k: int, cell: Cell) -> list[list[Step]]:
    """Per table, the steps of a second family that agrees on every public figure and differs
    in `cell` of table `k`; empty if none is known."""
    table = family[k]
    if cell[0] != table.shared:
        own = _cycle(table, cell, new=False)
        if own is not None:
            return [own if i == k else [] for i in range(len(family))]
        crossing = _crossing(table, cell, pairs)
        if crossing is None:
            return []
        steps, pair = crossing
        others = [_pair_steps(t, pair) for t in family]
        return [steps if i == k else others[i] or [] for i in range(len(family))]
    for pair in pairs:
        if cell[1] in (pair.first, pair.second):
            return [_pair_steps(t, pair) or [] for t in family]
    return []


# -- building the family --------------------------------------------------------------------


def _table(grid: list[list[int]]) -> Table:
    cells = [(i, j) for i in range(len(grid)) for j in range(len(grid[0]))]
    primary = frozenset(c for c in cells if 0 < grid[c[0]][c[1]] < THRESHOLD)
    return Table(grid, primary, set(primary))


def _pair_lines(table: Table) -> None:
    """A cheap start: a row or column with one hidden cell gives it away through its total,
    so hide its cheapest other inner count too (never the shared row), until none has one."""
    inner = [(i, j) for i in range(table.shared) for j in range(table.width - 1)]
    lines: dict[tuple[str, int], list[Cell]] = {}
    for cell in inner:
        lines.setdefault(("row", cell[0]), []).append(cell)
        lines.setdefault(("column", cell[1]), []).append(cell)
    changed = True
    while changed:
        changed = False
        for cells in lines.values():
            if sum(c in table.hidden for c in cells) != 1:
                continue
            spare = [c for c in cells if c not in table.hidden and table.value(c) > 0]
            if spare:
                table.hidden.add(min(spare, key=lambda c: (table.value(c), c)))
                changed = True


def _private_pass(family: Sequence[Table], pairs: list[Pair], failed: set[Pair]) -> bool:
    """Put every hidden cell outside the shared row on a cycle avoiding it, or, where none can
    exist, on one crossing it through a pair (which every table must then absorb)."""
    changed = False
    for table in family:
        waiting: set[Cell] = set()  # crossing through a pair the pair pass has to realise
        while True:
            absorbed = [p for p in pairs if _absorbed(family, p)]
            open_cells = [
                c for c in _unprotected(table, absorbed) if c not in table.stuck | waiting
            ]
            if not open_cells:
                break
            cell = open_cells[0]
            cycle = _cycle(table, cell, new=True, avoid_shared=True)
            if cycle is None:
                cycle = _cycle(table, cell, new=True, avoid_shared=False)
                pair = None if cycle is None else _pair_of(table, cycle)
                if cycle is None or pair is None or pair in failed:
                    table.stuck.add(cell)
                    continue
                waiting.add(cell)
                if pair not in pairs:
                    pairs.append(pair)
                    changed = True
                crossed = {c[1] for c, _ in cycle if c[0] == table.shared}
                for other in family:  # the shared row is the same cells in every table
                    other.hidden |= {(other.shared, column) for column in crossed}
            before = len(table.hidden)
            table.hidden |= {c for c, _ in cycle}
            changed |= len(table.hidden) > before
    return changed


def _pair_of(table: Table, cycle: list[Step]) -> Pair | None:
    """The pair a cycle through the shared row steps (its two cells there), or None."""
    crossing = sorted((c, d) for c, d in cycle if c[0] == table.shared)
    if len(crossing) != 2:
        return None
    (first, change), (second, _) = crossing
    return Pair(first[1], second[1], change * table.sign(first))


def _pair_pass(family: Sequence[Table], pairs: list[Pair], failed: set[Pair]) -> bool:
    """Every hidden cell of the shared row in a pair that every table absorbs."""
    changed = False
    for pair in list(pairs):
        if not _absorbed(family, pair) and not _realise(family, pair):
            pairs.remove(pair)
            failed.add(pair)
            changed = True
    first = family[0]
    covered = {c for p in pairs for c in (p.first, p.second)}
    for column in sorted({c[1] for t in family for c in t.hidden if c[0] == t.shared}):
        if column in covered:
            continue
        options = []
        for other in range(first.width):
            if other == column or first.value((first.shared, other)) == 0:
                continue
            for step in (1, -1):
                pair = Pair(column, other, step)
                if pair in failed:
                    continue
                paths = [_pair_steps(t, pair, new=True) for t in family]
                if any(p is None for p in paths):
                    failed.add(pair)  # hiding more never gives a table a missing arc
                    continue
                cost = sum(
                    t.cost(c) for t, p in zip(family, paths, strict=True) for c, _ in p or []
                )
                options.append((cost, other, -step, pair))
        if options:
            best = min(options)[3]
            if _realise(family, best):
                pairs.append(best)
                covered |= {best.first, best.second}
                changed = True
    return changed


def _absorbed(family: Sequence[Table], pair: Pair) -> bool:
    return all(_pair_steps(t, pair) is not None for t in family)


def _realise(family: Sequence[Table], pair: Pair) -> bool:
    paths = [_pair_steps(t, pair, new=True) for t in family]
    if any(p is None for p in paths):
        return False
    for table, path in zip(family, paths, strict=True):
        table.hidden |= {c for c, _ in path or []}
    return True


def _pair_steps(table: Table, pair: Pair, *, new: bool = False) -> list[Step] | None:
    """The cycle absorbing `pair` in `table`: leave the shared row through the cell whose grid
    value rises, come back through the one that falls, avoiding the shared row in between."""
    first, second = (table.shared, pair.first), (table.shared, pair.second)
    rises, falls = (first, second) if table.sign(first) * pair.step > 0 else (second, first)
    if not (table.arcs(rises)[0] and table.arcs(falls)[1]):
        return None
    start, goal = table.node(rises[1]), table.node(falls[1])
    if new:
        found = cheapest_path(table, start, goal, new=True, avoid_shared=True)
        middle = None if found is None else found[1]
    else:
        middle = reach(hidden_arcs(table, avoid_shared=True), start, goal)
    return None if middle is None else [(rises, 1), *middle, (falls, -1)]


def _unprotected(table: Table, pairs: Sequence[Pair]) -> list[Cell]:
    """Hidden cells outside the shared row on no cycle avoiding it, nor crossing it through
    one of `pairs`. A cell once safe stays safe: hiding more only adds arcs."""
    arcs = hidden_arcs(table, avoid_shared=True)
    component = components({node: [n for n, _, _ in out] for node, out in arcs.items()})
    ring = two_way_rings(table)
    squares = turns(table)
    found = []
    for cell in sorted(c for c in table.hidden if c[0] != table.shared and c not in table.safe):
        row, col = cell[0], table.node(cell[1])
        forward, backward = table.arcs(cell)
        # One arc: its component closes a cycle through it. Both: the component may be just
        # the cell's own two arcs; a ring of two-way cells (no bridge) closes one, else look
        # for a way back without the cell.
        together = component.get(row, -1) == component.get(col, -2)
        if together and (
            not (forward and backward)
            or ring.get(cell, False)
            or in_square(table, cell, squares)
            or reach(arcs, col, row, cell)
            or reach(arcs, row, col, cell)
        ):
            table.safe.add(cell)
            continue
        if pairs and _crossing(table, cell, pairs) is not None:
            continue
        found.append(cell)
    return found


def _cycle(table: Table, cell: Cell, *, new: bool, avoid_shared: bool = True) -> list[Step] | None:
    """The cheapest cycle through `cell` (hiding new cells when `new`), as steps."""
    forward, backward = table.arcs(cell)
    row, col = cell[0], table.node(cell[1])
    if not new:
        arcs = hidden_arcs(table, avoid_shared=avoid_shared)
        back = reach(arcs, col, row, cell) if forward else None
        if back is not None:
            return [(cell, 1), *back]
        ahead = reach(arcs, row, col, cell) if backward else None
        return None if ahead is None else [(cell, -1), *ahead]
    options = []
    if forward:
        found = cheapest_path(table, col, row, new=new, avoid_shared=avoid_shared, skip=cell)
        if found is not None:
            options.append((found[0], [(cell, 1), *found[1]]))
    if backward:
        found = cheapest_path(table, row, col, new=new, avoid_shared=avoid_shared, skip=cell)
        if found is not None:
            options.append((found[0], [(cell, -1), *found[1]]))
    return min(options)[1] if options else None


def _crossing(table: Table, cell: Cell, pairs: Sequence[Pair]) -> tuple[list[Step], Pair] | None:
    """A cycle through `cell` crossing the shared row through one of `pairs`."""
    forward, backward = table.arcs(cell)
    row, col = cell[0], table.node(cell[1])
    for pair in pairs:
        ends = _pair_steps(table, pair)
        if ends is None:
            continue
        (rises, _), (falls, _) = ends[0], ends[-1]
        leave, back = table.node(rises[1]), table.node(falls[1])
        legs = []
        if forward:  # row → col ⇝ back → shared row → leave ⇝ row
            legs.append(((cell, 1), (col, back), (leave, row)))
        if backward:  # col → row ⇝ back → shared row → leave ⇝ col
            legs.append(((cell, -1), (row, back), (leave, col)))
        arcs = hidden_arcs(table, avoid_shared=True)
        for own, (a, b), (c, d) in legs:
            one = reach(arcs, a, b, cell)
            if one is None:
                continue
            two = reach(arcs, c, d, cell, frozenset(s[0] for s in one))
            if two is not None:
                return [own, *one, (falls, -1), (rises, 1), *two], pair
    return None
