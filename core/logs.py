"""Log lines of the API, worker, relay and scheduler processes: the message, then the ids its
record carries (event, trigger, run, execution...) as key=value pairs, so one grep for an
event or execution id finds every line about it, whichever process wrote it."""

from __future__ import annotations

import logging
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

CONTEXT_KEYS = (
    "event_id",
    "trigger_id",
    "run_id",
    "execution_id",
    "action",
    "status",
)
"""The `extra` keys a record may carry (see core.triggers.engine), in the order written."""


class ContextFormatter(logging.Formatter):
    """A formatter that appends the record's context ids: `... message event_id=... run_id=...`.
    Values are written as they are when they hold no space, else quoted."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [
            f"{key}={_value(value)}"
            for key in CONTEXT_KEYS
            if (value := getattr(record, key, None)) is not None
        ]
        return f"{line} {' '.join(pairs)}" if pairs else line


def _value(value: Any) -> str:
    text = str(value)
    return text if text and not any(c.isspace() or c == '"' for c in text) else repr(text)


def configure_logging(level: str) -> None:
    """Log to stderr at `level` with the context ids (a process's own logging setup)."""
    handler = logging.StreamHandler()
    handler.setFormatter(ContextFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def with_context(logger: logging.Logger, fmt: str | None = None) -> None:
    """Give the handlers another library set up (Celery's) the context ids, keeping `fmt`."""
    for handler in logger.handlers:
        handler.setFormatter(ContextFormatter(fmt or FORMAT))


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging (its loggers, as it configures them) plus the platform's loggers
    with the context ids: the in-process automation of `erp serve` logs like a worker."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "erp": {"()": f"{__name__}.ContextFormatter", "fmt": FORMAT},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "erp": {
                "class": "logging.StreamHandler",
                "formatter": "erp",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "erp": {"handlers": ["erp"], "level": level, "propagate": False},
        },
    }
    return config
