"""`skillsreg competitions import`: load a competition's results from CSV or WorldSkills JSON."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from schemas.competitions import CompetitionRules
from services.platform.bus import Bus
from services.platform.db import create_pool
from services.platform.import_report import ImportProgress
from services.platform.settings import Settings

from .importer import (
    ImportError_,
    ImportOptions,
    ImportReport,
    Row,
    import_rows,
    read_rows,
    settle,
)

cli = typer.Typer(help="Competitions: import results.", no_args_is_help=True)
console = Console()


@cli.command("import")
def import_results(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON file")],
    file_format: Annotated[str | None, typer.Option("--format", help="csv or json")] = None,
    competition: Annotated[str | None, typer.Option(help="code; else event.code")] = None,
    name: Annotated[str | None, typer.Option(help="name, when creating")] = None,
    kind: Annotated[str, typer.Option(help="worldskills|national|provincial|other")] = (
        "worldskills"
    ),
    organiser: Annotated[str, typer.Option(help="organisation of its tokens")] = "import",
    starts_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD: create if missing")] = None,
    ends_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    sector: Annotated[str, typer.Option(help="sector of skills not yet known")] = (
        "manufacturing_engineering_technology"
    ),
    revision: Annotated[int, typer.Option(min=1, help="revision of every skill")] = 1,
    tie_threshold: Annotated[float, typer.Option(help="marks within it share a medal")] = 0.0,
    wait: Annotated[float, typer.Option(help="seconds to wait for the outcome")] = 30.0,
) -> None:
    """Import results; the skeleton is created if needed, results go through the bus."""
    try:
        rows = read_rows(path, file_format)
    except ImportError_ as exc:
        raise typer.BadParameter(str(exc)) from exc
    options = ImportOptions(
        competition=competition,
        name=name,
        kind=kind,
        organiser=organiser,
        starts_on=date.fromisoformat(starts_on) if starts_on else None,
        ends_on=date.fromisoformat(ends_on) if ends_on else None,
        sector=sector,
        revision=revision,
        rules=CompetitionRules(tie_threshold=tie_threshold),
    )
    try:
        report = asyncio.run(_run(rows, options, wait))
    except (ImportError_, msgspec.ValidationError) as exc:
        console.print(f"[red]import refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    show(report)
    if any(s.status == "refused" for s in report.skills):
        raise typer.Exit(2)


async def _run(rows: list[Row], options: ImportOptions, wait: float) -> ImportReport:
    settings = Settings.from_env().resolved()
    assert settings.database_url and settings.nats_url
    pool = await create_pool(settings.database_url)
    bus = await Bus.connect(settings.nats_url, root=settings.subject_root)
    try:
        await bus.ensure_streams(["competitions"])
        skills = len({r.skill for r in rows})
        with ImportProgress("skill", total=skills, console=console) as progress:
            report = await import_rows(
                pool, bus, rows, options, lambda skill: progress.advance(at=skill)
            )
        deadline = time.monotonic() + wait
        while True:
            await settle(pool, report)
            if time.monotonic() > deadline or all(s.status != "pending" for s in report.skills):
                break
            await asyncio.sleep(0.2)
        return report
    finally:
        await bus.close()
        await pool.close()


def show(report: ImportReport) -> None:
    table = Table("skill", "lines", "gold", "silver", "bronze", "excellence", "status", "reason")
    for s in report.skills:
        table.add_row(
            s.skill,
            str(s.lines),
            *(str(s.medals.get(m, 0)) for m in ("GOLD", "SILVER", "BRONZE", "EXCELLENCE")),
            s.status,
            s.reason[:120],
        )
    console.print(table)
    counts: dict[str, int] = {}
    for s in report.skills:
        counts[s.status] = counts.get(s.status, 0) + 1
    created = " (competition created)" if report.created_competition else ""
    console.print(f"{report.competition}{created}: {report.rows} rows, {len(report.skills)} skills")
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    for line in report.award_mismatches:
        console.print(f"[yellow]award flag differs from marks:[/yellow] {line}")
