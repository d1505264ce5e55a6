"""The state of the platform's machinery, for the system page and monitoring: the outbox's
backlog and the relay's lag, and the background processes heard from (workers, relays,
scheduler daemons and their last slots). docs/triggers.md, Observability."""

from core.system.beats import BEAT_SECONDS, Heartbeat, record_beat
from core.system.outbox import OutboxState, outbox_state
from core.system.processes import ProcessSeen, SlotClaimed, processes_seen

__all__ = [
    "BEAT_SECONDS",
    "Heartbeat",
    "OutboxState",
    "ProcessSeen",
    "SlotClaimed",
    "outbox_state",
    "processes_seen",
    "record_beat",
]
