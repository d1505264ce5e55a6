"""SQLite's side: the online backup API copies a consistent image while the platform keeps
writing (WAL), and the same API loads it into an empty file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from core.backup.tools import BackupFailed

TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def database_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    names = sorted(row[0] for row in conn.execute(TABLES))
    # The names come from the schema; quoted as identifiers.
    count = 'SELECT count(*) FROM "{}"'
    return {
        name: conn.execute(count.format(name.replace('"', '""'))).fetchone()[0] for name in names
    }


def read_revision(conn: sqlite3.Connection) -> str | None:
    tables = {row[0] for row in conn.execute(TABLES)}
    if "alembic_version" not in tables:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def dump(url: URL, target: Path) -> tuple[str | None, dict[str, int], str]:
    """Copy the database of `url` into `target`; its revision, row counts and SQLite version,
    read from the copy (so they are the copy's, whatever committed meanwhile)."""
    source = database_path(url)
    if not source.is_file():
        raise BackupFailed(f"there is no SQLite database at {source}")
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
        closing(sqlite3.connect(target)) as copy,
    ):
        src.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        return read_revision(copy), count_rows(copy), sqlite3.sqlite_version


def ensure_empty(url: URL) -> None:
    path = database_path(url)
    if not path.exists() or path.stat().st_size == 0:
        return
    with closing(sqlite3.connect(path)) as conn:
        tables = count_rows(conn)
    if tables:
        raise BackupFailed(
            f"the database {path} is not empty ({len(tables)} tables): a backup restores only "
            "into an empty database. Move the file away, or point DATABASE_URL at a new file, "
            "and restore before `erp db upgrade`"
        )


def load(url: URL, source: Path) -> tuple[str | None, dict[str, int]]:
    """Write the image `source` into the (empty or absent) database file of `url`."""
    path = database_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as image,
        closing(sqlite3.connect(path)) as target,
    ):
        image.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as the platform opens it
        return read_revision(target), count_rows(target)
