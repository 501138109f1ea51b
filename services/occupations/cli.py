"""`skillsreg occupations …`: import a release file (JSON or CSV) and report what it did.

The command checks and publishes the release exactly as `POST /releases` does (same rules,
same event on the bus), then waits for the catalogue to apply or refuse it.
"""

from __future__ import annotations

import asyncio
import csv
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console

from schemas.occupations import ReleaseChange, ReleasePublished, ReleaseStatus, WorkTypeChange
from services.platform.import_report import ImportProgress, ImportReport
from services.platform.runtime import Runtime
from services.platform.settings import Settings

from .handlers import (
    ReleaseConflict,
    ReleaseInvalid,
    ReleaseTooLarge,
    SubmitRelease,
    release_status,
    submit_release,
)

cli = typer.Typer(help="Occupation catalogue: import releases.", no_args_is_help=True)
console = Console()

LIST_SEPARATOR = "|"
CSV_COLUMNS = (
    "action (add|amend|retire), code, level, name_zh, name_en, definition, tasks, aliases, "
    f"tags, work_types, reason, replaced_by; lists separated by '{LIST_SEPARATOR}'. "
    "A row whose code is X-XX-XX-XX-XX is a work type (add, amend or retire)"
)


class ReleaseFileError(ValueError):
    pass


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(LIST_SEPARATOR) if v.strip()]


def read_csv(path: Path, meta: dict[str, Any]) -> ReleasePublished:
    """One row per entry; an `amend` row changes only the cells it fills."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    with ImportProgress(f"reading {path.name}", total=len(rows), console=console) as progress:
        return release_from_rows(rows, meta, progress)


def release_from_rows(
    rows: list[dict[str, str]], meta: dict[str, Any], progress: ImportProgress
) -> ReleasePublished:
    items: list[dict[str, Any]] = []
    amendments: list[dict[str, Any]] = []
    retirements: list[dict[str, Any]] = []
    work_types: dict[str, list[dict[str, Any]]] = {"add": [], "amend": [], "retire": []}
    for line, row in enumerate(rows, start=2):
        action = (row.get("action") or "add").strip().lower()
        code = (row.get("code") or "").strip()
        if code.count("-") == WORK_TYPE_DASHES and action in work_types:
            work_types[action].append(work_type_entry(action, code, row))
        elif action == "add":
            items.append(
                {
                    "code": code,
                    "level": int(row.get("level") or 4),
                    "name_zh": (row.get("name_zh") or "").strip(),
                    "name_en": (row.get("name_en") or "").strip() or None,
                    "definition": (row.get("definition") or "").strip(),
                    "tasks": _split(row.get("tasks")),
                    "aliases": _split(row.get("aliases")),
                    "tags": _split(row.get("tags")),
                    "work_types": _split(row.get("work_types")),
                }
            )
        elif action == "amend":
            change: dict[str, Any] = {"code": code, "reason": (row.get("reason") or "").strip()}
            for name in ("name_zh", "name_en", "definition"):
                if (row.get(name) or "").strip():
                    change[name] = row[name].strip()
            for name in ("tasks", "aliases", "tags", "work_types"):
                if (row.get(name) or "").strip():
                    change[name] = _split(row[name])
            amendments.append(change)
        elif action == "retire":
            retirements.append(
                {
                    "code": code,
                    "reason": (row.get("reason") or "").strip(),
                    "replaced_by": _split(row.get("replaced_by")),
                }
            )
        else:
            raise ReleaseFileError(f"line {line}: action {action!r} is not add, amend or retire")
        progress.advance()
    body = meta | {"items": items, "amendments": amendments, "retirements": retirements}
    body |= {
        "work_types": work_types["add"],
        "work_type_amendments": work_types["amend"],
        "work_type_retirements": work_types["retire"],
    }
    return msgspec.convert(body, ReleasePublished)


WORK_TYPE_DASHES = 4  # X-XX-XX-XX-XX: a work type under occupation X-XX-XX-XX


def work_type_entry(action: str, code: str, row: dict[str, str]) -> dict[str, Any]:
    """A work-type row: add (name_zh, name_en, definition), amend (the cells it fills) or
    retire (reason, replaced_by)."""
    if action == "retire":
        reason = (row.get("reason") or "").strip()
        return {"code": code, "reason": reason, "replaced_by": _split(row.get("replaced_by"))}
    entry: dict[str, Any] = {"code": code}
    for name in ("name_zh", "name_en", "definition"):
        if (row.get(name) or "").strip() or action == "add":
            entry[name] = (row.get(name) or "").strip() or (None if name == "name_en" else "")
    if action == "amend":
        entry["reason"] = (row.get("reason") or "").strip()
    return entry


def read_release(path: Path, meta: dict[str, Any]) -> ReleasePublished:
    try:
        if path.suffix.lower() == ".csv":
            missing = [k for k in ("release_id", "title", "published_on") if not meta.get(k)]
            if missing:
                options = ", ".join("--" + m.replace("_", "-") for m in missing)
                raise ReleaseFileError(f"a CSV release needs {options}")
            return read_csv(path, meta)
        release = msgspec.json.decode(path.read_bytes(), type=ReleasePublished)
        overrides = {k: v for k, v in meta.items() if v}
        return msgspec.structs.replace(release, **overrides) if overrides else release
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, KeyError) as exc:
        raise ReleaseFileError(f"{path}: {exc}") from exc


async def publish_and_wait(
    settings: Settings, release: ReleasePublished, actor: str, wait: float
) -> tuple[str, ReleaseStatus | None, list[tuple[str, str]]]:
    """(outcome, final status, refusals); outcome is applied, refused, pending, already
    applied, invalid or conflict."""
    runtime = await Runtime.open(settings, [])
    pool, bus = runtime.pool, runtime.bus
    steps = f"checking, publishing and applying {release.size} entries"
    try:
        await bus.ensure_stream("occupations")
        with ImportProgress(steps, total=2, console=console) as progress:
            try:
                command = SubmitRelease(release=release, actor=actor, source="/occupations/cli")
                submitted = await submit_release(command, pool=pool, bus=bus)
            except ReleaseInvalid as exc:
                return "invalid", None, exc.issues
            except (ReleaseConflict, ReleaseTooLarge) as exc:
                return "conflict", None, [("$", str(exc))]
            progress.advance()
            status = await release_status(pool, release.release_id)
            if submitted.already_applied:
                progress.advance()
                return "already applied", status, []
            deadline = time.monotonic() + wait
            while (status is None or status.status == "pending") and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                status = await release_status(pool, release.release_id)
            progress.advance()
        outcome = status.status if status else "pending"
        refusals = [("$", status.reason or "")] if status and status.status == "refused" else []
        return outcome, status, refusals
    finally:
        await runtime.close()


def print_report(
    release: ReleasePublished,
    outcome: str,
    status: ReleaseStatus | None,
    refusals: list[tuple[str, str]],
) -> None:
    console.print(f"release {release.release_id}: [bold]{outcome}[/bold]")
    report = ImportReport("entries")
    changes: list[ReleaseChange | WorkTypeChange] = []
    applied = status is not None and status.status == "applied"
    if status is not None and applied:
        changes += [*status.changes, *status.work_type_changes]
    for kind in ("added", "amended", "retired"):
        report.count(kind, sum(1 for c in changes if c.change == kind))
    for where, why in refusals:
        report.refuse(where, why)
    report.print(console)
    for kind in ("added", "amended", "retired"):
        codes = [c.code for c in changes if c.change == kind]
        if codes:
            more = f" … (+{len(codes) - 12})" if len(codes) > 12 else ""
            console.print(f"{kind}: {', '.join(codes[:12])}{more}")
    if status and status.detail and applied:
        console.print(status.detail)  # e.g. a proposal: kept, not applied
    if outcome == "already applied":
        console.print("identical content was already applied: nothing to do")
    if outcome == "pending":
        console.print(f"still pending; see GET /releases/{release.release_id}")


@cli.command("import-release")
def import_release(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="release .json/.csv")],
    release_id: Annotated[str, typer.Option(help="release id (CSV; overrides JSON)")] = "",
    title: Annotated[str, typer.Option(help="release title (CSV; overrides JSON)")] = "",
    published_on: Annotated[str, typer.Option(help="YYYY-MM-DD (CSV; overrides JSON)")] = "",
    kind: Annotated[
        str, typer.Option(help="new-occupations, amendment or proposal (a draft for comment)")
    ] = "",
    actor: Annotated[str, typer.Option(help="who publishes, for the record")] = "ministry:cli",
    wait: Annotated[float, typer.Option(help="seconds to wait for the outcome")] = 60.0,
) -> None:
    """Import a release from JSON (a `ReleasePublished` body) or CSV (see --help of the format).

    CSV columns: action, code, level, name_zh, name_en, definition, tasks, aliases, tags,
    work_types, reason, replaced_by (lists separated by '|'). A row whose code has five parts
    (X-XX-XX-XX-XX) adds, amends or retires a work type.
    """
    meta: dict[str, Any] = {"release_id": release_id, "title": title, "kind": kind}
    meta["published_on"] = date.fromisoformat(published_on) if published_on else ""
    settings = Settings.from_env().resolved()
    try:
        release = read_release(path, {k: v for k, v in meta.items() if v})
    except ReleaseFileError as exc:
        console.print(f"[red]cannot read the release:[/red] {exc}")
        raise typer.Exit(2) from exc
    outcome, status, refusals = asyncio.run(publish_and_wait(settings, release, actor, wait))
    print_report(release, outcome, status, refusals)
    if outcome not in ("applied", "already applied"):
        raise typer.Exit(1)
