"""`celery -A scheduler.worker worker`: the Celery app configured from the environment, and
its metrics port (ERP_WORKER_METRICS_PORT) opened by the main process before the pool forks."""

from __future__ import annotations

import os
import shutil
from typing import Any

from celery.signals import worker_init, worker_process_shutdown, worker_shutdown

from core.settings import get_settings
from scheduler.celery_app import make_celery

app = make_celery(get_settings())


@worker_init.connect(dispatch_uid="erp-worker-metrics")
def _open_metrics(**_: Any) -> None:
    from scheduler.metrics import serve_worker_metrics

    serve_worker_metrics(get_settings())


@worker_process_shutdown.connect(dispatch_uid="erp-worker-metrics-exit")
def _process_exited(pid: int | None = None, **_: Any) -> None:
    from core.metrics import process_exited

    process_exited(pid or os.getpid())


@worker_shutdown.connect(dispatch_uid="erp-worker-metrics-shutdown")
def _forget_metrics(**_: Any) -> None:
    from core.metrics.exposition import MULTIPROC_ENV

    folder = os.environ.get(MULTIPROC_ENV)
    if folder and os.path.basename(folder).startswith("erp-worker-metrics-"):
        shutil.rmtree(folder, ignore_errors=True)
