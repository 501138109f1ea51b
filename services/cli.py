"""`skillsreg`: one command line for operators (serve, migrate, tokens, and per-context tools).

Contexts add their own sub-commands by exposing a `typer.Typer` named `cli` in
`services/<context>/cli.py` and registering it in `COMMANDS` below.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.competitions.cli import cli as competitions_cli
from services.occupations.cli import cli as occupations_cli
from services.platform import auth
from services.platform.db import create_pool
from services.platform.settings import Settings

app = typer.Typer(help="skillsreg registry operations.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(tokens, name="tokens")
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


COMMANDS: list[tuple[str, typer.Typer]] = [
    ("competitions", competitions_cli),
    ("occupations", occupations_cli),
]
for name, sub in COMMANDS:
    app.add_typer(sub, name=name)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
