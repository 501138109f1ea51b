"""`skillsreg competitions import`: a competition's results from a CSV or WorldSkills JSON file,
as one submission (`importer.py`); arguments in, report and exit code out."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from schemas.competitions import CompetitionRules
from services.platform.bus import Bus
from services.platform.db import create_pool
from services.platform.import_report import ImportProgress
from services.platform.settings import Settings

from .importer import ImportOptions, ImportReport, import_file, settle
from .result_files import ResultsFile, read_rows, sector_of

cli = typer.Typer(help="Competitions: import results.", no_args_is_help=True)
console = Console()


@cli.command("import")
def import_results(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON file")],
    file_format: Annotated[str | None, typer.Option("--format", help="csv or json")] = None,
    competition: Annotated[
        str | None, typer.Option(help="code; else skill.event.code (JSON), competition (CSV)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="name, when creating")] = None,
    kind: Annotated[str, typer.Option(help="worldskills|national|provincial|other")] = (
        "worldskills"
    ),
    organiser: Annotated[str, typer.Option(help="organisation of its tokens")] = "import",
    starts_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD: create if missing")] = None,
    ends_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    sector: Annotated[
        str | None, typer.Option(help="sector of new skills the file gives none for")
    ] = None,
    create_members: Annotated[
        bool, typer.Option("--create-members", help="add member codes the registry lacks")
    ] = False,
    revision: Annotated[int, typer.Option(min=1, help="revision of every skill")] = 1,
    tie_threshold: Annotated[float, typer.Option(help="marks within it share a medal")] = 0.0,
    wait: Annotated[float, typer.Option(help="seconds to wait for the outcome")] = 30.0,
) -> None:
    """Import a results file as one submission, checked as the HTTP API checks results: it
    applies whole or not at all, and every problem is named by its file row.

    JSON in the WorldSkills results shape or CSV: README, "Importing a results file"."""
    try:
        found = read_rows(path, file_format)
        options = ImportOptions(
            competition=competition,
            name=name,
            kind=kind,
            organiser=organiser,
            starts_on=date.fromisoformat(starts_on) if starts_on else None,
            ends_on=date.fromisoformat(ends_on) if ends_on else None,
            sector=sector_of(sector),
            create_members=create_members,
            revision=revision,
            rules=CompetitionRules(tie_threshold=tie_threshold),
        )
    except ValueError as exc:  # an unknown format or sector, a bad date
        raise typer.BadParameter(str(exc)) from exc
    report = asyncio.run(_run(found, options, wait))
    show(report)
    if report.status == "refused":
        raise typer.Exit(1)


async def _run(found: ResultsFile, options: ImportOptions, wait: float) -> ImportReport:
    settings = Settings.from_env().resolved()
    assert settings.database_url and settings.nats_url
    pool = await create_pool(settings.database_url)
    bus = await Bus.connect(settings.nats_url, root=settings.subject_root)
    try:
        await bus.ensure_streams(["competitions"])
        steps = ["checked", "published"]
        with ImportProgress("results", total=len(steps) + 1, console=console) as progress:

            def step(done: str) -> None:
                progress.advance(at=done)
                steps.remove(done)

            report = await import_file(
                pool, bus, found, options, id_hash_key=settings.id_hash_key.encode(), step=step
            )
            deadline = time.monotonic() + wait
            while True:
                await settle(pool, report)
                if report.status != "pending" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            progress.advance(len(steps) + 1, at=report.status)
        return report
    finally:
        await bus.close()
        await pool.close()


def show(report: ImportReport) -> None:
    if report.skills and not report.problems:
        columns = ("skill", "sector", "lines", "gold", "silver", "bronze", "excellence", "status")
        table = Table(*columns)
        for s in report.skills:
            table.add_row(
                s.skill,
                s.sector,
                str(s.lines),
                *(str(s.medals.get(m, 0)) for m in ("GOLD", "SILVER", "BRONZE", "EXCELLENCE")),
                s.status,
            )
        console.print(table)
    created = " (competition created)" if report.created_competition else ""
    console.print(
        f"{report.competition}{created}: {report.rows} rows, {len(report.skills)} skills: "
        f"[bold]{report.status}[/bold]"
    )
    if report.created_members:
        console.print(f"members created: {', '.join(report.created_members)}")
    counts: dict[str, int] = {}
    for s in report.skills:
        counts[s.status] = counts.get(s.status, 0) + 1
    if counts and not report.problems:
        console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    for line in report.award_mismatches:
        console.print(f"[yellow]award flag differs from marks:[/yellow] {escape(line)}")
    if report.problems:
        console.print(f"[red]refused: {len(report.problems)} problem(s); nothing was written[/red]")
        for p in report.problems:
            console.print(f"{escape(p.where)}: {escape(p.message)}", soft_wrap=True)
    if report.reason:
        reason = escape(report.reason)
        console.print(f"[red]refused by the registry:[/red] {reason}", soft_wrap=True)
