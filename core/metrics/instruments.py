"""Every metric the platform records, in one place. Labels name kinds (a status, an action
type, an integration type), never a company, a user or a row: /metrics says how the
platform runs, not whose data it holds. Each metric has labels, so that no value exists
before the first observation: a process that switches to multiprocess mode before it forks
(core.metrics.exposition) has nothing recorded in the old mode."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

TRIGGER_EXECUTIONS = Counter(
    "erp_trigger_executions",
    "Trigger executions recorded, by status (SUCCESS, PARTIAL_SUCCESS, FAILED, SKIPPED).",
    ["status"],
)
TRIGGER_EXECUTION_SECONDS = Histogram(
    "erp_trigger_execution_seconds",
    "From a trigger run's admission to its recorded execution (retries and delays included).",
    ["status"],
    buckets=SECONDS,
)
ACTION_ATTEMPTS = Counter(
    "erp_action_attempts",
    "Attempts of trigger actions, by action type and outcome (success, failed, skipped).",
    ["action", "outcome"],
)
ACTION_SECONDS = Histogram(
    "erp_action_duration_seconds",
    "How long one attempt of an action took.",
    ["action"],
    buckets=SECONDS,
)
SCHEDULE_SLOTS = Counter(
    "erp_schedule_slots",
    "Schedule slots this scheduler daemon tried to claim: claimed (it fired them) or taken "
    "(another daemon had claimed them first).",
    ["outcome"],
)
RELAY_EVENTS = Counter(
    "erp_relay_events_sent",
    "Outbox events the relay handed on: first sends, and events sent again because no worker "
    "admitted them in time.",
    ["kind"],
)
INTEGRATION_CALLS = Counter(
    "erp_integration_calls",
    "Calls to integration vendors' APIs, by integration type and status class (2xx, 4xx...).",
    ["integration", "status"],
)
INTEGRATION_CALL_SECONDS = Histogram(
    "erp_integration_call_seconds",
    "How long one vendor call took.",
    ["integration"],
    buckets=SECONDS,
)
# Set when /metrics is read, from the database: the same figures whichever process answers,
# so the most recent value of any process is the value.
OUTBOX_EVENTS = Gauge(
    "erp_outbox_backlog_events",
    "Committed events no worker has admitted yet: waiting for the relay, or sent to the "
    "broker and not admitted.",
    ["stage"],
    multiprocess_mode="mostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "erp_outbox_oldest_event_age_seconds",
    "Age of the oldest event of each stage (0 when none waits).",
    ["stage"],
    multiprocess_mode="mostrecent",
)
