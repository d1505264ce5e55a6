"""The names of the Celery tasks: the dispatchers send them, the worker's Celery app runs them."""

from __future__ import annotations

HANDLE_EVENTS = "erp.handle_events"
HANDLE_RUN = "erp.handle_run"
