"""Schema migrations: `erp db upgrade` / `erp db downgrade` drive Alembic from here."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection


def alembic_config(url: URL) -> Config:
    """The Alembic configuration of the `migrations` package, pointed at `url`."""
    ini = files("migrations").joinpath("alembic.ini")
    config = Config(str(ini))
    config.set_main_option("script_location", str(files("migrations")))
    # ConfigParser treats '%' specially; a password may contain one.
    config.set_main_option(
        "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(url: URL, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL, revision: str = "-1") -> None:
    """Take the database at `url` down to `revision` ("base" removes everything)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(URL.create("sqlite"))).get_current_head()


def read_revision(sync_connection: Connection) -> str | None:
    """The revision a database is at (None if never migrated), on an open connection."""
    return MigrationContext.configure(sync_connection).get_current_revision()
