"""Domain events: recorded into the outbox with the change that caused them."""

from core.events.outbox import record_event

__all__ = ["record_event"]
