"""The Celery application: Redis broker, late acknowledgement (a message is removed only
after its task finished), and the two tasks that drive the trigger engine."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, worker_process_init

from core.settings import Settings
from scheduler.messages import HANDLE_EVENTS, HANDLE_RUN

log = logging.getLogger("erp.worker")


@after_setup_logger.connect(dispatch_uid="erp-log-context")
def _log_context(logger: logging.Logger, format: str | None = None, **_: Any) -> None:
    """Celery set up the worker's root logger: its lines carry the event and execution ids."""
    from core.logs import with_context

    with_context(logger, format)


def make_celery(settings: Settings) -> Celery:
    """A Celery app for `settings`; the tasks run the trigger engine of the worker process."""
    if not settings.redis_url:
        from core.errors import ConfigurationError

        raise ConfigurationError("REDIS_URL must be set to run a Celery worker or relay")
    automation = settings.automation
    app = Celery("erp", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=automation.celery_queue,
        task_acks_late=True,
        # A worker process killed mid-task gives its message back instead of dropping it.
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # One message in reserve per worker process (each carries up to 100 events, enough
        # to keep the process busy): a worker killed with SIGKILL strands only what it held,
        # and the relay sends that again within ERP_RELAY_REDELIVER_SECONDS anyway.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": automation.celery_visibility_timeout,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        },
        # Publishing is not retried here: the relay keeps the events in the outbox and
        # sends them again on its next pass.
        task_publish_retry=False,
    )

    @worker_process_init.connect(weak=False)
    def announce(**_: Any) -> None:
        """A worker process is heard from from its start, whether or not it has work."""
        from scheduler.runtime import worker_runtime

        worker_runtime(settings, app).start_beating()

    @app.task(name=HANDLE_EVENTS, bind=False)
    def handle_events(event_ids: list[str]) -> int:
        from scheduler.runtime import worker_runtime

        runtime = worker_runtime(settings, app)
        return runtime.run(runtime.engine_call("handle_events", event_ids))

    @app.task(name=HANDLE_RUN, bind=False)
    def handle_run(run_id: str) -> int:
        from scheduler.runtime import worker_runtime

        runtime = worker_runtime(settings, app)
        return runtime.run(runtime.engine_call("handle_run", run_id))

    return app


def task_names(app: Celery) -> list[str]:
    return sorted(name for name in app.tasks if name.startswith("erp."))


def configure(app: Celery, **overrides: Any) -> None:
    """Adjust a Celery app's configuration (tests and the bench use it)."""
    app.conf.update(**overrides)
