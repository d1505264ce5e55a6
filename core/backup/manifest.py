"""The manifest of a backup archive: what made it, the schema revision, the rows of every
table and every file with its digest, so that a restore can prove it got all of it back."""

from __future__ import annotations

import platform
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import msgspec

FORMAT = "erp-backup"
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"


class StoredFile(msgspec.Struct, frozen=True, rename="camel"):
    path: str
    """Relative to ERP_FILES_DIR, with forward slashes."""
    size: int
    sha256: str


class DatabaseImage(msgspec.Struct, frozen=True, rename="camel"):
    backend: str
    """"postgresql" or "sqlite": a backup restores into a database of the same kind."""
    member: str
    """The archive member holding it: a pg_dump custom-format file or a SQLite file."""
    size: int
    sha256: str
    server_version: str
    tool: str
    """pg_dump's version line, or the SQLite library's version."""


class Manifest(msgspec.Struct, frozen=True, rename="camel"):
    format: str
    format_version: int
    created_at: datetime
    erp_version: str
    python_version: str
    migration_revision: str | None
    database: DatabaseImage
    tables: dict[str, int]
    """Rows per table (the Alembic version table included), counted in the dump's snapshot."""
    files: list[StoredFile]

    def encode(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self), indent=2) + b"\n"

    @classmethod
    def decode(cls, raw: bytes) -> Manifest:
        return msgspec.json.decode(raw, type=cls)


def erp_version() -> str:
    try:
        return version("erp-builder")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def new_manifest(**fields: Any) -> Manifest:
    return Manifest(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        erp_version=erp_version(),
        python_version=platform.python_version(),
        **fields,
    )
