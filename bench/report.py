"""Collect and print benchmark results as ratios to their same-run baselines."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float = 0.0
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline or not self.value:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


@dataclass
class Report:
    title: str
    results: list[Result] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        ratio = f"{result.ratio:.1%}" if result.ratio is not None else "-"
        Console().print(
            f"  {result.name}: [bold]{result.value:,.1f}[/bold] {result.unit}"
            f"  (ceiling {result.baseline_name}: {result.baseline:,.1f}; ratio {ratio})"
        )
        return result

    def print(self) -> None:
        table = Table(title=self.title)
        for column in ("measure", "value", "unit", "raw ceiling (same run)", "ceiling", "ratio"):
            table.add_column(
                column, justify="right" if column in ("value", "ceiling", "ratio") else "left"
            )
        for r in self.results:
            ratio = f"{r.ratio:.1%}" if r.ratio is not None else "-"
            table.add_row(
                r.name, f"{r.value:,.1f}", r.unit, r.baseline_name, f"{r.baseline:,.1f}", ratio
            )
        Console(width=140).print(table)

    def save(self, name: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.json"
        rows = [asdict(r) | {"ratio": r.ratio} for r in self.results]
        path.write_text(
            json.dumps({"title": self.title, "started": self.started, "results": rows}, indent=2)
        )
        return path


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def load(
    client: httpx.AsyncClient, paths: list[str], concurrency: int
) -> tuple[float, float]:
    """Throughput (req/s) and p99 latency (s) of GETs of `paths` by `concurrency` users."""
    latencies: list[float] = []
    queue = iter(paths)

    async def user() -> None:
        for path in queue:
            t0 = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return len(paths) / (time.perf_counter() - started), percentile(latencies, 0.99)
