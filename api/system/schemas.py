"""Response bodies of the system state: the outbox and the background processes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.structs import Out


class OutboxOut(Out):
    backlog: int
    """Events no worker has admitted yet: waitingForRelay + inBroker."""
    waiting_for_relay: int
    in_broker: int
    oldest_at: datetime | None
    oldest_age_seconds: float | None
    """Age of the oldest event not yet admitted (null when none waits)."""
    relay_lag_seconds: float
    """How long the oldest event waiting for the relay has waited (0 when none waits)."""
    recent_sent: int
    """Events the relay sent in the last five minutes."""
    recent_lag_seconds_avg: float | None
    recent_lag_seconds_max: float | None
    open_runs: int
    """Trigger runs admitted and not finished."""
    company_id: str | None
    """The company these figures are of; null for the whole platform."""
    measured_at: datetime


class SlotOut(Out):
    trigger_id: str
    trigger_name: str
    fire_at: datetime
    claimed_at: datetime


class ProcessOut(Out):
    name: str
    kind: str
    """worker, relay or scheduler."""
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    seconds_ago: float
    alive: bool
    """Heard from within the last half minute."""
    details: dict[str, Any]
    last_slots: list[SlotOut]
    """A scheduler daemon's last claimed schedule slots."""
