"""`skillsreg`: one command line for operators (serve, migrate, tokens, export, dead letters,
and per-context tools).

Contexts add their own sub-commands by exposing a `typer.Typer` named `cli` in
`services/<context>/cli.py` and registering it in `COMMANDS` below; a command of theirs whose
name starts with `import` also answers as `skillsreg import <context>`. Import commands show
progress and their report with `services.platform.import_report`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from services.competitions.cli import cli as competitions_cli
from services.occupations.cli import cli as occupations_cli
from services.platform import auth, dead_letters
from services.platform.bus import Bus
from services.platform.db import Pool, create_pool
from services.platform.settings import Settings

T = TypeVar("T")

app = typer.Typer(help="skillsreg registry operations.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(tokens, name="tokens")
letters = typer.Typer(
    help="Dead letters of every service: list, show, replay.", no_args_is_help=True
)
app.add_typer(letters, name="dead-letters")
imports = typer.Typer(help="Import data (one sub-command per context).", no_args_is_help=True)
app.add_typer(imports, name="import")
console = Console()


def settings() -> Settings:
    return Settings.from_env().resolved()


@app.command()
def serve() -> None:
    """Serve every service (embedded Postgres/NATS unless DATABASE_URL/NATS_URL are set)."""
    from services.platform.serve import main
    from services.registry import ALL

    main(ALL)


@app.command()
def migrate() -> None:
    """Apply all database migrations."""
    from services.platform.migrate import upgrade

    url = settings().database_url
    assert url
    upgrade(url)
    console.print("[green]migrations applied[/green]")


@tokens.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(auth.ROLES)}")],
    organisation: Annotated[str, typer.Option("--org", help="organisation the token acts for")],
    label: Annotated[str, typer.Option(help="free text to recognise the token")] = "",
) -> None:
    """Create a token; it is printed once and stored only as a hash."""

    async def run() -> tuple[int, str]:
        pool = await create_pool(str(settings().database_url))
        try:
            return await auth.create_token(pool, role, organisation, label)
        finally:
            await pool.close()

    try:
        token_id, token = asyncio.run(run())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"token {token_id} for {role}:{organisation} (shown once):")
    print(token)


@tokens.command("list")
def tokens_list() -> None:
    """List tokens (never their secret)."""

    async def run() -> list[dict[str, object]]:
        pool = await create_pool(str(settings().database_url))
        try:
            rows = await pool.fetch(
                """SELECT id, role, organisation, label, created_at, revoked_at
                FROM platform.api_token ORDER BY id"""
            )
            return [dict(r) for r in rows]
        finally:
            await pool.close()

    table = Table("id", "role", "organisation", "label", "created", "revoked")
    for row in asyncio.run(run()):
        table.add_row(
            *(
                str(row[k] or "")
                for k in ("id", "role", "organisation", "label", "created_at", "revoked_at")
            )
        )
    console.print(table)


@tokens.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by id."""

    async def run() -> bool:
        pool = await create_pool(str(settings().database_url))
        try:
            return await auth.revoke_token(pool, token_id)
        finally:
            await pool.close()

    if not asyncio.run(run()):
        console.print(f"[red]no active token {token_id}[/red]")
        raise typer.Exit(1)
    console.print(f"token {token_id} revoked")


def with_pool(work: Callable[[Pool], Awaitable[T]]) -> T:
    async def run() -> T:
        pool = await create_pool(str(settings().database_url))
        try:
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(run())


def service_schemas() -> list[str]:
    from services.registry import ALL

    return [s.schema for s in ALL]


@app.command()
def export() -> None:
    """Write an open-data export now (CSV, JSON Lines and metadata.json) and print its files."""
    from services.exports.handlers import ExportBusy, StartExport, export_now, export_root
    from services.platform.app import app_of
    from services.platform.runtime import Runtime
    from services.registry import ALL

    config = settings()

    async def run() -> tuple[str, Any]:
        runtime = await Runtime.open(config, ALL)
        try:
            command = StartExport(trigger="cli", requested_by="cli")
            app = app_of(runtime)
            return await export_now(command, pool=runtime.pool, app=app, settings=config)
        finally:
            await runtime.close()

    try:
        export_id, metadata = asyncio.run(run())
    except ExportBusy as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if metadata is None:
        console.print(f"[red]export {export_id} failed; see `GET /exports/{export_id}`[/red]")
        raise typer.Exit(1)
    table = Table("file", "rows", "bytes", "sha256", title=f"export {export_id}")
    for f in metadata.files:
        table.add_row(f.name, str(f.rows), str(f.bytes), f.sha256[:16] + "…")
    console.print(table)
    console.print(f"written to {export_root(config) / export_id}")


@letters.command("list")
def dead_letters_list(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Dead letters of every service, newest first."""
    found = with_pool(lambda pool: dead_letters.list_letters(pool, service_schemas(), limit))
    table = Table()
    for column in ("id", "consumer", "event id", "type", "deliveries", "reason", "when"):
        # ids stay whole so they can be copied into `show` / `replay`; the reason may wrap.
        table.add_column(column, no_wrap=column in ("id", "event id"))
    for d in found:
        table.add_row(
            d.address,
            d.consumer,
            d.event_id,
            d.event_type or "",
            str(d.deliveries),
            d.reason[:80],
            str(d.created_at)[:19],
        )
    console.print(table)
    console.print(f"{len(found)} dead letter(s)")


def _letter(pool: Pool, address: str) -> Awaitable[dead_letters.DeadLetter | None]:
    return dead_letters.get_letter(pool, service_schemas(), address)


def find_letter(address: str) -> dead_letters.DeadLetter:
    try:
        letter = with_pool(lambda pool: _letter(pool, address))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if letter is None:
        console.print(f"[red]no dead letter {address}[/red]")
        raise typer.Exit(1)
    return letter


@letters.command("show")
def dead_letters_show(letter_id: Annotated[str, typer.Argument(help="<schema>:<id>")]) -> None:
    """One dead letter: why it failed and the original message."""
    letter = find_letter(letter_id)
    for key in ("address", "consumer", "event_id", "event_type", "subject", "deliveries"):
        console.print(f"[bold]{key}[/bold]: {getattr(letter, key)}")
    console.print(f"[bold]reason[/bold]: {letter.reason}")
    sys.stdout.write(letter.payload.decode("utf-8", "replace") + "\n")


@letters.command("replay")
def dead_letters_replay(letter_id: Annotated[str, typer.Argument(help="<schema>:<id>")]) -> None:
    """Publish the original event again under a new event id (after fixing its cause)."""
    letter = find_letter(letter_id)
    config = settings()

    async def run() -> tuple[str, Any]:
        bus = await Bus.connect(str(config.nats_url), root=config.subject_root)
        try:
            return await dead_letters.replay(bus, letter)
        finally:
            await bus.close()

    try:
        event_id, published = asyncio.run(run())
    except dead_letters.NotReplayable as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"replayed {letter.address} as event {event_id} "
        f"(stream {published.stream}, seq {published.seq})"
    )


COMMANDS: list[tuple[str, typer.Typer]] = [
    ("competitions", competitions_cli),
    ("occupations", occupations_cli),
]
for name, sub in COMMANDS:
    app.add_typer(sub, name=name)
    for command in sub.registered_commands:
        if command.callback and (command.name or command.callback.__name__).startswith("import"):
            imports.command(name, help=command.help or command.callback.__doc__)(command.callback)


def main() -> None:
    from services.platform.bus import BusUnavailable
    from services.platform.db import DatabaseUnavailable

    try:
        app()
    except (DatabaseUnavailable, BusUnavailable) as exc:
        # A plain sentence, not a traceback: the usual cause is `make run` not running.
        print(f"skillsreg: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
