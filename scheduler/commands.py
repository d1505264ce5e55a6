"""The scheduler package's built-in plugin: the `erp worker`, `erp relay` and `erp scheduler`
commands, and the background services of an API process (scheduler.embedded: the
in-process automation pipeline without a broker, a Celery dispatcher with one)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import click

from core.plugins import hookimpl
from core.process import freeze_startup_objects


def _logging(level: str) -> None:
    from core.logs import configure_logging

    configure_logging(level)


@click.command()
@click.option("--concurrency", "-c", default=2, show_default=True, type=int)
@click.option("--pool", default="prefork", show_default=True)
def worker(concurrency: int, pool: str) -> None:
    """Run a Celery worker that executes trigger actions (needs REDIS_URL)."""
    from core.cli import check_database
    from core.settings import get_settings
    from scheduler.worker import app

    settings = get_settings()
    check_database(settings, require_schema=True)
    app.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--queues={settings.automation.celery_queue}",
        ]
    )


@click.command()
def relay() -> None:
    """Hand outbox events to the Celery workers (needs REDIS_URL)."""
    _run_background(relay=True, scheduler=False)


@click.command()
@click.option("--relay/--no-relay", "with_relay", default=True, show_default=True)
def scheduler(with_relay: bool) -> None:
    """Run the scheduler daemon (and, by default, the outbox relay)."""
    _run_background(relay=with_relay, scheduler=True)


def _run_background(*, relay: bool, scheduler: bool) -> None:
    from core.cli import check_database
    from core.settings import get_settings

    settings = get_settings()
    _logging(settings.log_level)
    check_database(settings, require_schema=True)
    asyncio.run(_background(settings, relay=relay, scheduler=scheduler))


async def _background(settings: Any, *, relay: bool, scheduler: bool) -> None:
    from core.database import create_engine, session_factory
    from core.tenancy import install_tenant_scoping
    from scheduler.celery_app import make_celery
    from scheduler.daemon import SchedulerDaemon
    from scheduler.dispatch import CeleryDispatcher
    from scheduler.hints import RedisHintPublisher, hint_channel, listen_for_hints
    from scheduler.integrations import run_integration_workflows
    from scheduler.metrics import serve_metrics
    from scheduler.relay import RelayWake, run_relay

    install_tenant_scoping()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    daemon = SchedulerDaemon(sessions, settings.automation) if scheduler else None
    # The daemon's SCHEDULED events wake every relay, this one through Redis as well.
    hints = None
    if daemon is not None and settings.redis_url:
        hints = RedisHintPublisher.for_settings(settings).connect()
    observability = settings.observability
    port = observability.scheduler_metrics_port if scheduler else observability.relay_metrics_port
    metrics = serve_metrics(settings, port, "scheduler" if scheduler else "relay")
    freeze_startup_objects()
    workflows: asyncio.Task[None] | None = None
    listener: asyncio.Task[None] | None = None
    try:
        if daemon is not None:
            daemon.start()
            workflows = asyncio.create_task(run_integration_workflows(sessions, settings, stop))
        if relay:
            dispatcher = CeleryDispatcher(make_celery(settings))
            wake = RelayWake()
            assert settings.redis_url  # make_celery refused to go on without it
            listener = asyncio.create_task(
                listen_for_hints(settings.redis_url, hint_channel(settings), wake)
            )
            try:
                await run_relay(sessions, dispatcher, settings.automation, stop, wake)
            finally:
                await dispatcher.close()
        else:
            await stop.wait()
    finally:
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        if daemon is not None:
            daemon.stop()
        if workflows is not None:
            stop.set()
            await workflows
        if hints is not None:
            await hints.close()
        if metrics is not None:
            metrics.shutdown()
        await engine.dispose()


@hookimpl
def erp_background_services(settings: Any, sessions: Any, plugins: Any) -> list[Any]:
    from scheduler.embedded import background_services

    return list(background_services(settings, sessions, plugins))


@hookimpl
def erp_register_commands(cli: Any) -> None:
    cli.add_command(worker)
    cli.add_command(relay)
    cli.add_command(scheduler)
