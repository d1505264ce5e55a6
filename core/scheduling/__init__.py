"""SCHEDULED triggers: their schedules, which slots are due under the misfire policy, and
the exactly-once claim of a slot (a unique row committed with the SCHEDULED event)."""

from core.scheduling.claims import claim_slot, fire_due_slots, last_claimed, scheduled_triggers
from core.scheduling.schedule import MisfirePolicy, Schedule, due_slots, parse_schedule

__all__ = [
    "MisfirePolicy",
    "Schedule",
    "claim_slot",
    "due_slots",
    "fire_due_slots",
    "last_claimed",
    "parse_schedule",
    "scheduled_triggers",
]
