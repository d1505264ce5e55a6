"""Metrics out of a process: the text format of the process's registry, or of every process
of one API or worker (prometheus-client's multiprocess mode: each process writes its values
to files in one folder, and whichever answers the scrape adds them all up)."""

from __future__ import annotations

import hmac
import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def use_multiprocess(folder: Path) -> None:
    """Record this process's metrics, and those of the processes it starts or forks from now
    on, as files in `folder` (emptied first: files of processes of an earlier start would be
    counted again). Call it before the processes that record start."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(folder)
    # prometheus-client chooses how values are kept when it is imported; this process
    # imported it before it knew, and no metric has a value yet (every metric has labels).
    values.ValueClass = values.get_value_class()


def process_exited(pid: int) -> None:
    """Forget the live gauges of a process that ended (its counters still count)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


def latest() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type."""
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def authorized(header: str | None, token: str | None) -> bool:
    """Whether an Authorization header carries the metrics bearer token."""
    if not token or not header:
        return False
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), token)
