"""`erp serve`: the API process, registered as a built-in plugin command."""

from __future__ import annotations

import errno
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import click

from core.errors import ConfigurationError
from core.plugins import hookimpl


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers", default=1, show_default=True, type=int, help="API processes (PostgreSQL mode)"
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (costs CPU per request; a proxy in front usually logs them)",
)
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the REST API (embedded mode migrates its SQLite file first)."""
    import uvicorn

    from core.cli import check_database
    from core.logs import uvicorn_log_config
    from core.migrate import upgrade
    from core.settings import get_settings

    settings = get_settings()
    _check_port_free(host, port)
    if settings.embedded:
        check_database(settings)
        upgrade(settings.database_url)
    check_database(settings, require_schema=True)
    click.echo(
        f"ERP Builder on http://{host}:{port} ({settings.database_url.get_backend_name()})"
        f" - API docs at http://{host}:{port}/schema"
    )
    click.echo(_automation_line(settings, workers))
    # uvloop and httptools: the fastest event loop and HTTP parser uvicorn supports (both
    # come with uvicorn[standard]); a long accept backlog so bursts of new connections wait
    # instead of being refused.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "loop": "uvloop",
        "http": "httptools",
        "access_log": access_log,
        "backlog": 4096,
        # The in-process automation's lines (erp.*) with their event and execution ids.
        "log_config": uvicorn_log_config(settings.log_level),
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default (or FORWARDED_ALLOW_IPS),
        # so anyone on the host, or behind an unconfigured proxy, could pick the address
        # the per-address sign-in limit counts: only ERP_TRUSTED_PROXIES are believed.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies) or None,
    }
    if workers > 1:
        if settings.observability.metrics_token:
            # Each API process records into files of one folder and whichever answers
            # /metrics adds them all up: one scrape target with the sums of every process.
            from core.metrics import use_multiprocess

            folder = Path(tempfile.mkdtemp(prefix="erp-api-metrics-"))
            use_multiprocess(folder)
        try:
            uvicorn.run("api.app:create_app", factory=True, workers=workers, **options)
        finally:
            if settings.observability.metrics_token:
                shutil.rmtree(folder, ignore_errors=True)
    else:
        from api.app import create_app

        uvicorn.run(create_app(settings), **options)


def _check_port_free(host: str, port: int) -> None:
    """Refuse in one line, before anything starts, to serve on a port another program holds
    (uvicorn would start the application, then fail with two tracebacks)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigurationError(f"Cannot serve on {host}: {exc.strerror}.") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not taken for busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"Port {port} on {host} is already in use by another program: choose "
                    "another with --port (make run PORT=8080)."
                ) from None
            raise ConfigurationError(f"Cannot serve on {host}:{port}: {exc.strerror}.") from None


def _automation_line(settings: Any, workers: int) -> str:
    """Where triggers run, as the background services the plugins offer will arrange it."""
    if settings.redis_url:
        return "Automation: handed to `erp worker` and `erp scheduler` through REDIS_URL"
    if not settings.automation.in_process:
        return "Automation: not in this process (ERP_IN_PROCESS_AUTOMATION=false)"
    where = "this process" if workers <= 1 else f"each of the {workers} processes"
    return (
        f"Automation: relay, trigger engine, scheduler and integration jobs run in {where}"
        " (no REDIS_URL)"
    )


@hookimpl
def erp_register_commands(cli: Any) -> None:
    cli.add_command(serve)
