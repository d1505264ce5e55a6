"""The `erp backup` and `erp restore` commands (a built-in plugin adding them to the CLI)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from core.plugins import hookimpl


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write the database and the uploaded files into the archive FILE (.tar.gz)."""
    from core.backup import BackupFailed, back_up
    from core.settings import get_settings

    settings = get_settings()
    try:
        manifest = asyncio.run(back_up(settings, file))
    except BackupFailed as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(manifest.tables.values())
    click.echo(
        f"backed up {rows} rows in {len(manifest.tables)} tables and {len(manifest.files)} files"
        f" at schema {manifest.migration_revision} into {file}"
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Restore the archive FILE into the empty database of DATABASE_URL and ERP_FILES_DIR."""
    from core.backup import BackupFailed
    from core.backup import restore as restore_archive
    from core.backup.archive import upgrade_needed
    from core.settings import get_settings

    settings = get_settings()
    try:
        manifest = asyncio.run(restore_archive(settings, file))
    except BackupFailed as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(manifest.tables.values())
    click.echo(
        f"restored {rows} rows in {len(manifest.tables)} tables and {len(manifest.files)} files"
        f" (backup of {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC, schema"
        f" {manifest.migration_revision}); every count and digest matches the manifest"
    )
    if upgrade_needed(manifest):
        click.echo("the backup's schema is older than this release's: run `erp db upgrade`")


@hookimpl
def erp_register_commands(cli: Any) -> None:
    cli.add_command(backup)
    cli.add_command(restore)
