"""Platform settings: one object, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///erp.db"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the platform; the README's configuration table mirrors this class."""

    database_url: URL
    secret_key: str = field(repr=False)
    log_level: str = "INFO"
    redis_url: str | None = None

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
    return Settings(
        database_url=url,
        secret_key=env.get("ERP_SECRET_KEY") or "",
        log_level=level,
        redis_url=env.get("REDIS_URL") or None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
