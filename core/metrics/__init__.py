"""The platform's Prometheus metrics: the instruments the areas record to, the outbox's
backlog measured when scraped, and the exposition of one process or of all the processes of
an API or worker that forks (prometheus-client's multiprocess mode). docs/deployment.md,
Monitoring."""

from core.metrics.exposition import (
    authorized,
    latest,
    process_exited,
    use_multiprocess,
)
from core.metrics.instruments import (
    ACTION_ATTEMPTS,
    ACTION_SECONDS,
    INTEGRATION_CALL_SECONDS,
    INTEGRATION_CALLS,
    RELAY_EVENTS,
    SCHEDULE_SLOTS,
    TRIGGER_EXECUTION_SECONDS,
    TRIGGER_EXECUTIONS,
)
from core.metrics.outbox import measure_outbox

__all__ = [
    "ACTION_ATTEMPTS",
    "ACTION_SECONDS",
    "INTEGRATION_CALLS",
    "INTEGRATION_CALL_SECONDS",
    "RELAY_EVENTS",
    "SCHEDULE_SLOTS",
    "TRIGGER_EXECUTIONS",
    "TRIGGER_EXECUTION_SECONDS",
    "authorized",
    "latest",
    "measure_outbox",
    "process_exited",
    "use_multiprocess",
]
