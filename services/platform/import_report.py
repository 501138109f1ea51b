"""What every `skillsreg import …` command shows: a progress bar, then a report of outcomes.

with ImportProgress("results", total=len(rows)) as progress:
    for row in rows:
        ...
        progress.advance()
        report.count("applied")          # or report.refuse("row 7", "unknown member XX")
report.print()
"""

from __future__ import annotations

from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table


class ImportProgress:
    def __init__(self, what: str, total: int | None, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._what, self._total = what, total

    def __enter__(self) -> ImportProgress:
        self._progress.start()
        self._task = self._progress.add_task(self._what, total=self._total)
        return self

    def advance(self, steps: int = 1, *, at: str | None = None) -> None:
        """Count `steps` done; `at` names the item just done (shown after the description)."""
        assert self._task is not None
        description = f"{self._what} {at}" if at else self._what
        self._progress.update(self._task, advance=steps, description=description)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()


class ImportReport:
    """Counts per outcome (added, amended, applied, unchanged, …) and every refusal's reason."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.counts: Counter[str] = Counter()
        self.refused: list[tuple[str, str]] = []

    def count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n

    def refuse(self, where: str, reason: str) -> None:
        self.counts["refused"] += 1
        self.refused.append((where, reason))

    @property
    def ok(self) -> bool:
        return not self.refused

    def print(self, console: Console | None = None) -> None:
        out = console or Console()
        table = Table("outcome", "count", title=self.title)
        for outcome, n in sorted(self.counts.items()):
            table.add_row(outcome, str(n))
        out.print(table)
        if self.refused:
            reasons = Table("where", "reason", title="refused")
            for where, reason in self.refused:
                reasons.add_row(where, reason)
            out.print(reasons)
