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
class AutomationSettings:
    """Triggers, actions, webhooks and the scheduler (ERP_SMTP_*, ERP_HTTP_*, ERP_TRIGGER_*,
    ERP_RELAY_*, ERP_SCHEDULER_*, ERP_WEBHOOK_*, ERP_CELERY_*, ERP_IN_PROCESS_AUTOMATION; see
    docs/triggers.md)."""

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 30.0
    mail_from: str = "ERP Builder <noreply@localhost>"
    capture_mail: bool = False
    """Keep e-mails in the mail log instead of sending them: embedded mode without
    ERP_SMTP_HOST, where there is no SMTP server to send to (core.mail)."""
    http_allow_private: bool = False
    http_timeout: float = 10.0
    http_retries: int = 2
    http_max_response_bytes: int = 1024 * 1024
    max_chain_depth: int = 5
    run_lease_seconds: int = 30
    """Renewed every third of it while the worker lives: bounds how long a dead worker's
    runs wait, not how long an action may take."""
    stale_run_seconds: int = 15
    relay_poll_seconds: float = 1.0
    """The relay's safety net: hints (core.events.hints) wake it at once after commits."""
    relay_batch_size: int = 200
    relay_redeliver_seconds: float = 15.0
    """An event dispatched this long ago that no worker has admitted, and that is not waiting
    in the broker's queue, is sent again. Admission takes milliseconds once a worker has the
    message, so this bounds how long a killed worker's held message waits; bench/faults.py:
    longest recovery 45.7 and 72.8 s at 30, 31.5 and 47.2 s at 15."""
    outbox_retention_days: int = 30
    scheduler_sync_seconds: float = 5.0
    webhook_max_body_bytes: int = 1024 * 1024
    public_url: str = "http://127.0.0.1:8000"
    celery_queue: str = "erp"
    celery_visibility_timeout: int = 300
    # Versions: the scheduler pauses a rolled-out version whose triggers fail (docs/versions.md).
    rollout_pause_failure_rate: float = 0.5
    rollout_pause_min_executions: int = 20
    rollout_pause_window_seconds: int = 3600
    rollout_watchdog_seconds: float = 60.0
    in_process: bool = True
    """Without REDIS_URL, each `erp serve` process runs the relay, trigger engine, scheduler
    and integration jobs itself (ERP_IN_PROCESS_AUTOMATION; false: it serves requests only)."""


@dataclass(frozen=True, slots=True)
class IntegrationSettings:
    """Integrations (ERP_SECRETS_KEYS, ERP_INTEGRATION_*; see docs/integrations.md)."""

    secrets_keys: tuple[str, ...] = field(default=(), repr=False)
    """Fernet keys for integration secrets, newest first; empty: one derived from the
    secret key. `erp secrets rotate` re-encrypts everything under the first."""
    retries: int = 3
    max_retry_after: float = 30.0
    rate_per_second: float = 20.0
    oauth_state_ttl: int = 600
    poll_seconds: float = 5.0
    lease_seconds: float = 60.0
    """A workflow run's hold on its cursor and its items, renewed after each item: a run
    that died is taken over this long after its last renewal."""


@dataclass(frozen=True, slots=True)
class ObservabilitySettings:
    """Metrics (ERP_METRICS_*, ERP_*_METRICS_PORT; see docs/deployment.md, Monitoring)."""

    metrics_token: str | None = field(default=None, repr=False)
    """Bearer token /metrics and the metrics ports ask for; without it the API serves no
    /metrics and the background processes open no metrics port."""
    metrics_host: str = "127.0.0.1"
    worker_metrics_port: int | None = None
    relay_metrics_port: int | None = None
    scheduler_metrics_port: int | None = None


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """API keys, invitations, password resets and second factors (ERP_API_KEY_*,
    ERP_INVITATION_TTL, ERP_PASSWORD_RESET_TTL, ERP_TWO_FACTOR_ISSUER, ERP_SIGN_IN_STATE_TTL;
    see docs/accounts.md)."""

    api_key_rate_per_minute: int = 600
    """Requests one API key may make a minute (across processes with REDIS_URL, per process
    without); more are answered 429 with Retry-After."""
    invitation_ttl: int = 7 * 24 * 3600
    password_reset_ttl: int = 3600
    two_factor_issuer: str = "ERP Builder"
    """The name authenticator apps show beside the account."""
    sign_in_state_ttl: int = 600
    """Seconds a sign-in through an OpenID Connect provider may take."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the platform; the README's configuration table mirrors this class."""

    database_url: URL
    secret_key: str = field(repr=False)
    database_pool_size: int = 40
    log_level: str = "INFO"
    redis_url: str | None = None
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    files_dir: Path = Path("files")
    max_upload_bytes: int = 10 * 1024 * 1024
    upload_types: tuple[str, ...] = DEFAULT_UPLOAD_TYPES
    cors_origins: tuple[str, ...] = ()
    """Origins (scheme://host[:port]) whose pages may call the API from a browser; none by
    default: the web app is served by the API itself, on its own origin."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of the reverse proxies whose X-Forwarded-For and
    X-Forwarded-Proto are believed; from anyone else the headers are ignored, so a client
    cannot choose the address that sign-in throttling and the audit trail see."""
    automation: AutomationSettings = field(default_factory=AutomationSettings)
    integrations: IntegrationSettings = field(default_factory=IntegrationSettings)
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)

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
        database_pool_size=_positive_int(env, "ERP_DATABASE_POOL_SIZE", 40),
        log_level=level,
        redis_url=env.get("REDIS_URL") or None,
        access_token_ttl=_positive_int(env, "ERP_ACCESS_TOKEN_TTL", 900),
        refresh_token_ttl=_positive_int(env, "ERP_REFRESH_TOKEN_TTL", 30 * 24 * 3600),
        files_dir=Path(env.get("ERP_FILES_DIR") or "files"),
        max_upload_bytes=_positive_int(env, "ERP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        upload_types=tuple(t.strip() for t in upload_types.split(",") if t.strip())
        if upload_types
        else DEFAULT_UPLOAD_TYPES,
        cors_origins=_origins(env, "ERP_CORS_ORIGINS"),
        trusted_proxies=tuple(
            p.strip() for p in (env.get("ERP_TRUSTED_PROXIES") or "").split(",") if p.strip()
        ),
        automation=_automation_settings(env, embedded=url.get_backend_name() == "sqlite"),
        integrations=_integration_settings(env),
        observability=_observability_settings(env),
        accounts=_account_settings(env),
    )


def _account_settings(env: dict[str, str]) -> AccountSettings:
    """ERP_API_KEY_RATE_PER_MINUTE, ERP_INVITATION_TTL, ERP_PASSWORD_RESET_TTL,
    ERP_TWO_FACTOR_ISSUER and ERP_SIGN_IN_STATE_TTL."""
    d = AccountSettings()
    return AccountSettings(
        api_key_rate_per_minute=_positive_int(
            env, "ERP_API_KEY_RATE_PER_MINUTE", d.api_key_rate_per_minute
        ),
        invitation_ttl=_positive_int(env, "ERP_INVITATION_TTL", d.invitation_ttl),
        password_reset_ttl=_positive_int(env, "ERP_PASSWORD_RESET_TTL", d.password_reset_ttl),
        two_factor_issuer=env.get("ERP_TWO_FACTOR_ISSUER") or d.two_factor_issuer,
        sign_in_state_ttl=_positive_int(env, "ERP_SIGN_IN_STATE_TTL", d.sign_in_state_ttl),
    )


def _observability_settings(env: dict[str, str]) -> ObservabilitySettings:
    token = env.get("ERP_METRICS_TOKEN") or None
    if token is not None and len(token) < 16:
        raise ConfigurationError("ERP_METRICS_TOKEN must be at least 16 characters long")
    ports = {
        name: _port(env, name)
        for name in (
            "ERP_WORKER_METRICS_PORT",
            "ERP_RELAY_METRICS_PORT",
            "ERP_SCHEDULER_METRICS_PORT",
        )
    }
    if token is None and any(ports.values()):
        named = ", ".join(name for name, port in ports.items() if port)
        raise ConfigurationError(f"{named} needs ERP_METRICS_TOKEN: the metrics ports ask for it")
    return ObservabilitySettings(
        metrics_token=token,
        metrics_host=env.get("ERP_METRICS_HOST") or "127.0.0.1",
        worker_metrics_port=ports["ERP_WORKER_METRICS_PORT"],
        relay_metrics_port=ports["ERP_RELAY_METRICS_PORT"],
        scheduler_metrics_port=ports["ERP_SCHEDULER_METRICS_PORT"],
    )


def _port(env: dict[str, str], name: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigurationError(f"{name} must be a TCP port (1-65535), not {raw!r}")
    return int(raw)


def _origins(env: dict[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of origins, each scheme://host[:port] with nothing after it."""
    origins = tuple(o.strip().rstrip("/") for o in (env.get(name) or "").split(",") if o.strip())
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ConfigurationError(
                f"{name} must list origins like https://app.example.com, not {origin!r}"
            )
    return origins


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigurationError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def _automation_settings(env: dict[str, str], *, embedded: bool = False) -> AutomationSettings:
    """The ERP_SMTP_*, ERP_HTTP_*, ERP_TRIGGER_*, ERP_RELAY_*, ERP_SCHEDULER_*, ERP_WEBHOOK_*
    and ERP_CELERY_* variables."""
    d = AutomationSettings()
    return AutomationSettings(
        smtp_host=env.get("ERP_SMTP_HOST") or d.smtp_host,
        capture_mail=embedded and not env.get("ERP_SMTP_HOST"),
        smtp_port=_positive_int(env, "ERP_SMTP_PORT", d.smtp_port),
        smtp_username=env.get("ERP_SMTP_USERNAME") or None,
        smtp_password=env.get("ERP_SMTP_PASSWORD") or None,
        smtp_starttls=_flag(env, "ERP_SMTP_STARTTLS"),
        smtp_ssl=_flag(env, "ERP_SMTP_SSL"),
        smtp_timeout=_positive_float(env, "ERP_SMTP_TIMEOUT", d.smtp_timeout),
        mail_from=env.get("ERP_MAIL_FROM") or d.mail_from,
        http_allow_private=_flag(env, "ERP_HTTP_ALLOW_PRIVATE"),
        http_timeout=_positive_float(env, "ERP_HTTP_TIMEOUT", d.http_timeout),
        http_retries=_whole(env, "ERP_HTTP_RETRIES", d.http_retries),
        http_max_response_bytes=_positive_int(
            env, "ERP_HTTP_MAX_RESPONSE_BYTES", d.http_max_response_bytes
        ),
        max_chain_depth=_positive_int(env, "ERP_TRIGGER_MAX_CHAIN_DEPTH", d.max_chain_depth),
        run_lease_seconds=_positive_int(env, "ERP_TRIGGER_LEASE_SECONDS", d.run_lease_seconds),
        stale_run_seconds=_positive_int(env, "ERP_TRIGGER_STALE_SECONDS", d.stale_run_seconds),
        relay_poll_seconds=_positive_float(env, "ERP_RELAY_POLL_SECONDS", d.relay_poll_seconds),
        relay_batch_size=_positive_int(env, "ERP_RELAY_BATCH_SIZE", d.relay_batch_size),
        relay_redeliver_seconds=_positive_float(
            env, "ERP_RELAY_REDELIVER_SECONDS", d.relay_redeliver_seconds
        ),
        outbox_retention_days=_positive_int(
            env, "ERP_OUTBOX_RETENTION_DAYS", d.outbox_retention_days
        ),
        scheduler_sync_seconds=_positive_float(
            env, "ERP_SCHEDULER_SYNC_SECONDS", d.scheduler_sync_seconds
        ),
        webhook_max_body_bytes=_positive_int(
            env, "ERP_WEBHOOK_MAX_BODY_BYTES", d.webhook_max_body_bytes
        ),
        public_url=(env.get("ERP_PUBLIC_URL") or d.public_url).rstrip("/"),
        celery_queue=env.get("ERP_CELERY_QUEUE") or d.celery_queue,
        celery_visibility_timeout=_positive_int(
            env, "ERP_CELERY_VISIBILITY_TIMEOUT", d.celery_visibility_timeout
        ),
        rollout_pause_failure_rate=_rate(
            env, "ERP_ROLLOUT_PAUSE_FAILURE_RATE", d.rollout_pause_failure_rate
        ),
        rollout_pause_min_executions=_positive_int(
            env, "ERP_ROLLOUT_PAUSE_MIN_EXECUTIONS", d.rollout_pause_min_executions
        ),
        rollout_pause_window_seconds=_positive_int(
            env, "ERP_ROLLOUT_PAUSE_WINDOW_SECONDS", d.rollout_pause_window_seconds
        ),
        rollout_watchdog_seconds=_positive_float(
            env, "ERP_ROLLOUT_WATCHDOG_SECONDS", d.rollout_watchdog_seconds
        ),
        in_process=_flag(env, "ERP_IN_PROCESS_AUTOMATION", default=d.in_process),
    )


def _rate(env: dict[str, str], name: str, default: float) -> float:
    """A share between 0 and 1 (0.5 is half)."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ConfigurationError(f"{name} must be a share between 0 and 1, not {raw!r}")
    return value


def _integration_settings(env: dict[str, str]) -> IntegrationSettings:
    """ERP_SECRETS_KEYS and the ERP_INTEGRATION_* variables."""
    d = IntegrationSettings()
    keys = tuple(k.strip() for k in (env.get("ERP_SECRETS_KEYS") or "").split(",") if k.strip())
    return IntegrationSettings(
        secrets_keys=keys,
        retries=_whole(env, "ERP_INTEGRATION_RETRIES", d.retries),
        max_retry_after=_positive_float(env, "ERP_INTEGRATION_MAX_RETRY_AFTER", d.max_retry_after),
        rate_per_second=_positive_float(env, "ERP_INTEGRATION_RATE_PER_SECOND", d.rate_per_second),
        oauth_state_ttl=_positive_int(env, "ERP_INTEGRATION_OAUTH_STATE_TTL", d.oauth_state_ttl),
        poll_seconds=_positive_float(env, "ERP_INTEGRATION_POLL_SECONDS", d.poll_seconds),
        lease_seconds=_positive_float(env, "ERP_INTEGRATION_LEASE_SECONDS", d.lease_seconds),
    )


def _flag(env: dict[str, str], name: str, *, default: bool = False) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def _whole(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def _positive_float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ConfigurationError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


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
