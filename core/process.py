"""What every long-running process (API, worker, relay, scheduler) does once it has started."""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> None:
    """Everything loaded by now (modules, mappers, routes, plugins, settings) lives as long as
    the process: moved out of the garbage collector's reach, a full collection walks only what
    the work made since, instead of pausing the work in flight for a walk of it all (up to
    200 ms measured in an API process). Once per process: a test process starts many apps."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
