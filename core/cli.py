"""The `erp` command line: database, demo data, plugins; processes add their own commands."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from core.database import check_database, create_engine, session_factory, transaction
from core.errors import ConfigurationError
from core.settings import get_settings


@click.group()
def cli() -> None:
    """ERP Builder: forms, approval flows, triggers and custom tables."""


@cli.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from core.migrate import upgrade

    settings = get_settings()
    check_database(settings)
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True, help='"base" removes everything')
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from core.migrate import downgrade

    settings = get_settings()
    check_database(settings)
    downgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    settings = get_settings()
    click.echo(check_database(settings) or "(not migrated)")


@cli.command()
def demo() -> None:
    """Load the demo data (Acme Corporation); running it again changes nothing."""
    from core.demo import DEMO_PASSWORD, load_demo

    settings = get_settings()
    check_database(settings, require_schema=True)

    async def _load() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                await load_demo(session)
        finally:
            await engine.dispose()

    asyncio.run(_load())
    click.echo(f"demo data loaded: sign in as admin@acme.com / {DEMO_PASSWORD}")


@cli.command()
def plugins() -> None:
    """List the loaded plugins, their versions and what they provide."""
    from core.plugins.manager import describe, get_plugins

    for info in get_plugins().infos:
        click.echo(describe(info))


__all__ = ["check_database", "cli", "main"]


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `erp` console script."""
    from core.plugins.manager import get_plugins

    try:
        get_plugins().hook.erp_register_commands(cli=cli)
        return cli.main(args=argv, prog_name="erp", standalone_mode=True)
    except ConfigurationError as exc:
        click.echo(f"erp: {exc.message}", err=True)
        sys.exit(2)
