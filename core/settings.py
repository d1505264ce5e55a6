"""Platform settings: one object, read once from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///erp.db"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
DEFAULT_UPLOAD_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the platform; the README's configuration table mirrors this class."""

    database_url: URL
    secret_key: str = field(repr=False)
    log_level: str = "INFO"
    redis_url: str | None = None
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    files_dir: Path = Path("files")
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_types: tuple[str, ...] = DEFAULT_UPLOAD_TYPES

    @property
    def embedded(self) -> bool:
        """True when the platform runs on its SQLite file (no external services)."""
        return self.database_url.get_backend_name() == "sqlite"


def parse_database_url(raw: str) -> URL:
    """Parse and check a `DATABASE_URL`; raise ConfigurationError with one clear line."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"DATABASE_URL is not a valid URL (expected e.g. postgresql+asyncpg://user@host/db): "
            f"{_redact(raw)!r}"
        ) from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    if url.drivername not in SUPPORTED_DRIVERS:
        raise ConfigurationError(
            f"DATABASE_URL driver {url.drivername!r} is not supported; "
            f"use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    if url.get_backend_name() == "postgresql" and not url.database:
        raise ConfigurationError(
            "DATABASE_URL names no database (postgresql+asyncpg://host/DBNAME)"
        )
    return url


def _redact(raw: str) -> str:
    """Hide a password in a URL-ish string that could not be parsed."""
    if "@" in raw and "://" in raw:
        scheme, rest = raw.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else raw
    return raw


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (see the README for each)."""
    env = dict(os.environ if environ is None else environ)
    url = parse_database_url(env.get("DATABASE_URL") or EMBEDDED_DATABASE_URL)
    level = env.get("ERP_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigurationError(
            f"ERP_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}"
        )
    upload_types = env.get("ERP_UPLOAD_TYPES")
    return Settings(
        database_url=url,
        secret_key=_secret_key(env, url),
        log_level=level,
        redis_url=env.get("REDIS_URL") or None,
        access_token_ttl=_positive_int(env, "ERP_ACCESS_TOKEN_TTL", 900),
        refresh_token_ttl=_positive_int(env, "ERP_REFRESH_TOKEN_TTL", 30 * 24 * 3600),
        files_dir=Path(env.get("ERP_FILES_DIR") or "files"),
        max_upload_bytes=_positive_int(env, "ERP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        upload_types=tuple(t.strip() for t in upload_types.split(",") if t.strip())
        if upload_types
        else DEFAULT_UPLOAD_TYPES,
    )


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigurationError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def _secret_key(env: dict[str, str], url: URL) -> str:
    """ERP_SECRET_KEY, or in embedded mode a random key kept in `erp.secret` beside the
    database file, so tokens survive restarts without any set-up."""
    key = env.get("ERP_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigurationError("ERP_SECRET_KEY must be at least 32 characters long")
        return key
    if url.get_backend_name() != "sqlite":
        raise ConfigurationError(
            "ERP_SECRET_KEY must be set with a PostgreSQL DATABASE_URL "
            "(e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    database = Path(url.database or "erp.db")
    path = database.with_name(database.stem + ".secret")
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
