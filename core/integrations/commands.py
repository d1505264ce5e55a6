"""The `erp secrets` commands (a built-in plugin adding them to the CLI)."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from core.plugins import hookimpl


@click.group()
def secrets() -> None:
    """Integration secrets: keys and rotation."""


@secrets.command("new-key")
def new_key_command() -> None:
    """Print a new key to put first in ERP_SECRETS_KEYS."""
    from core.vault import new_key

    click.echo(new_key())


@secrets.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every integration secret under the first key of ERP_SECRETS_KEYS (keep the
    old keys after it until this has run)."""
    from core.database import create_engine, session_factory
    from core.integrations.rotation import rotate_secrets
    from core.settings import get_settings
    from core.vault import SecretBox

    settings = get_settings()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await rotate_secrets(session_factory(engine), SecretBox.from_settings(settings))
        finally:
            await engine.dispose()

    click.echo(f"re-encrypted {asyncio.run(run())} secret values")


@hookimpl
def erp_register_commands(cli: Any) -> None:
    cli.add_command(secrets)


@hookimpl
def erp_platform_startup(settings: Any) -> None:
    from core.vault import install_secret_box

    install_secret_box(settings)
