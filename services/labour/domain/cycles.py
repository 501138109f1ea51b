"""The grid of a count table and the searches for cycles through its hidden cells.

A table's grid holds its counts with the margins' signs flipped (see `suppression`), so each
row and column sums to zero; a hidden cell is an arc row→column when its grid value may rise
by one as the public knows the count, column→row when it may fall. `suppression` builds on
these searches: Dijkstra for the cheapest cells to hide, breadth-first for a way back, Tarjan
for strongly connected components and bridges, and two quick tests before a search.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

THRESHOLD = 10
ROW_TOTAL_COST = 1_000_000
SHARED_COST = 1_000_000_000

Cell = tuple[int, int]
Step = tuple[Cell, int]  # a cell and the change of its grid value (+1 / -1)


def extend(values: Sequence[Sequence[int]], columns: int) -> list[list[int]]:
    """Rows with their totals appended, then the shared row: column totals, grand total."""
    grid = [[*row, sum(row)] for row in values]
    grid.append([sum(row[j] for row in grid) for j in range(columns + 1)])
    return grid


@dataclass(frozen=True)
class Pair:
    """Two hidden cells of the shared row, by column, stepped together: `first` by `step`
    (in counts), `second` by whatever keeps the shared row's own sum."""

    first: int
    second: int
    step: int


@dataclass
class Table:
    grid: list[list[int]]
    primary: frozenset[Cell]
    hidden: set[Cell] = field(default_factory=set)
    stuck: set[Cell] = field(default_factory=set)  # no cycle can protect them
    safe: set[Cell] = field(default_factory=set)  # on a cycle avoiding the shared row already

    @property
    def shared(self) -> int:
        return len(self.grid) - 1

    @property
    def width(self) -> int:
        return len(self.grid[0])

    def node(self, column: int) -> int:
        return len(self.grid) + column

    def value(self, cell: Cell) -> int:
        return self.grid[cell[0]][cell[1]]

    def sign(self, cell: Cell) -> int:
        """Grid value = sign × count: -1 on the margins, +1 inside and on the grand total."""
        return -1 if (cell[0] == self.shared) != (cell[1] == self.width - 1) else 1

    def arcs(self, cell: Cell) -> tuple[bool, bool]:
        """(row→column, column→row): may its grid value rise / fall by one and the count stay
        in what the public knows (1..9 when primary, at least 10 when otherwise hidden)?"""
        value = self.value(cell)
        if cell in self.primary:
            up, down = value + 1 < THRESHOLD, value - 1 >= 1
        else:
            up, down = True, value - 1 >= THRESHOLD
        return (up, down) if self.sign(cell) > 0 else (down, up)

    def cost(self, cell: Cell) -> int:
        if cell in self.hidden:
            return 0
        shared = SHARED_COST if cell[0] == self.shared else 0
        total = ROW_TOTAL_COST if cell[1] == self.width - 1 else 0
        return self.value(cell) + shared + total


Arcs = dict[int, list[tuple[int, Cell, int]]]


Squares = dict[tuple[int, int], set[int]]


def turns(table: Table) -> Squares:
    """(column a, column b) → rows whose hidden cells let a cycle turn from a to b there: the
    cell in a can fall (column a → row) and the one in b rise (row → column b)."""
    by_row: dict[int, list[Cell]] = {}
    for cell in table.hidden:
        if cell[0] != table.shared:
            by_row.setdefault(cell[0], []).append(cell)
    found: Squares = {}
    for row, cells in by_row.items():
        for a in cells:
            for b in cells:
                if a != b and table.arcs(a)[1] and table.arcs(b)[0]:
                    found.setdefault((a[1], b[1]), set()).add(row)
    return found


def in_square(table: Table, cell: Cell, squares: Squares) -> bool:
    """A two-way cell on a cycle of four hidden cells (two rows, two columns): the quick
    case before a search."""
    row, column = cell
    for other in range(table.width):
        partner = (row, other)
        if other == column or partner not in table.hidden:
            continue
        up, down = table.arcs(partner)
        # row → other ⇝ (another row) ⇝ column → row, or the reverse.
        if up and squares.get((other, column), set()) - {row}:
            return True
        if down and squares.get((column, other), set()) - {row}:
            return True
    return False


def two_way_rings(table: Table) -> dict[Cell, bool]:
    """Per hidden cell outside the shared row: True when it is no bridge of the undirected
    graph of those cells and its 2-edge-connected part holds two-way cells only, so an
    undirected cycle through it there is a directed one (the common case, found in one pass
    instead of a search per cell)."""
    cells = [c for c in table.hidden if c[0] != table.shared]
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for k, cell in enumerate(cells):
        row, col = cell[0], table.node(cell[1])
        adjacent.setdefault(row, []).append((col, k))
        adjacent.setdefault(col, []).append((row, k))
    bridges = find_bridges(adjacent)
    part: dict[int, int] = {}  # node → 2-edge-connected part, bridges removed
    for root in adjacent:
        if root in part:
            continue
        part[root], todo = root, [root]
        while todo:
            node = todo.pop()
            for nxt, k in adjacent[node]:
                if k not in bridges and nxt not in part:
                    part[nxt] = root
                    todo.append(nxt)
    one_way = {part[c[0]] for c in cells if not all(table.arcs(c))}
    return {c: k not in bridges and part[c[0]] not in one_way for k, c in enumerate(cells)}


def find_bridges(adjacent: dict[int, list[tuple[int, int]]]) -> set[int]:
    """Edge ids that are bridges (Tarjan, iterative)."""
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: set[int] = set()
    for root in adjacent:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        work = [(root, -1, 0)]
        while work:
            node, via, i = work.pop()
            if i < len(adjacent[node]):
                work.append((node, via, i + 1))
                nxt, k = adjacent[node][i]
                if k == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    work.append((nxt, k, 0))
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.add(via)
    return found


def hidden_arcs(table: Table, *, avoid_shared: bool) -> Arcs:
    """Out-arcs of the hidden cells: node → [(next node, cell, step)]."""
    out: Arcs = {}
    for cell in table.hidden:
        if avoid_shared and cell[0] == table.shared:
            continue
        forward, backward = table.arcs(cell)
        row, col = cell[0], table.node(cell[1])
        if forward:
            out.setdefault(row, []).append((col, cell, 1))
        if backward:
            out.setdefault(col, []).append((row, cell, -1))
    return out


def reach(
    arcs: Arcs,
    start: int,
    goal: int,
    skip: Cell | None = None,
    banned: frozenset[Cell] = frozenset(),
) -> list[Step] | None:
    """Breadth-first along `arcs` without `skip` or `banned` cells: the steps, or None."""
    if start == goal:
        return []
    via: dict[int, tuple[int, Cell, int]] = {}
    seen, frontier = {start}, [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt, cell, change in arcs.get(node, []):
                if nxt in seen or cell == skip or cell in banned:
                    continue
                seen.add(nxt)
                via[nxt] = (node, cell, change)
                if nxt == goal:
                    steps: list[Step] = []
                    while nxt != start:
                        nxt, step_cell, step = via[nxt]
                        steps.append((step_cell, step))
                    return steps[::-1]
                following.append(nxt)
        frontier = following
    return None


def cheapest_path(
    table: Table,
    start: int,
    goal: int,
    *,
    new: bool,
    avoid_shared: bool,
    skip: Cell | None = None,
) -> tuple[int, list[Step]] | None:
    """Dijkstra from node `start` to `goal` along hidden cells (cost 0) and, when `new`, counts
    not hidden yet (`Table.cost`); never through zeros or `skip`. Steps: +1 for an arc taken
    row→column, -1 column→row."""
    rows = len(table.grid)
    dist = {start: 0}
    via: dict[int, tuple[int, Cell, int]] = {}
    queue = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            steps: list[Step] = []
            while node != start:
                node, cell, change = via[node]
                steps.append((cell, change))
            return cost, steps[::-1]
        if cost > dist.get(node, cost):
            continue
        is_row = node < rows
        for other in range(table.width) if is_row else range(rows):
            cell = (node, other) if is_row else (other, node - rows)
            if cell == skip or table.value(cell) == 0:
                continue
            if (avoid_shared and cell[0] == table.shared) or (not new and cell not in table.hidden):
                continue
            if not table.arcs(cell)[0 if is_row else 1]:
                continue
            nxt = table.node(other) if is_row else other
            total = cost + table.cost(cell)
            if total < dist.get(nxt, total + 1):
                dist[nxt] = total
                via[nxt] = (node, cell, 1 if is_row else -1)
                heapq.heappush(queue, (total, nxt))
    return None


def components(out_arcs: dict[int, list[int]]) -> dict[int, int]:
    """Strongly connected components (Tarjan, iterative): node → component id."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    component: dict[int, int] = {}
    for root in list(out_arcs):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = out_arcs.get(node, [])
            if i < len(successors):
                work.append((node, i + 1))
                nxt = successors[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = node
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component
