"""How recorded events and trigger runs are handed to whatever runs them: Celery in scaled
mode, an in-process queue in embedded mode. The core only knows this interface (it sits with
the outbox, below the plugins' background services that offer a dispatcher)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class Dispatcher(Protocol):
    """Sends work to the trigger engine of some worker. Both methods may raise when the
    transport is unavailable; callers keep the work durable until a send succeeds."""

    async def send_events(self, event_ids: Sequence[str]) -> bool:
        """Have `TriggerEngine.handle_events(event_ids)` run (in batches as it likes).
        Returns True when the events were admitted (their runs committed) before it
        returned, so the caller can mark them admitted in its own transaction."""

    async def send_run(self, run_id: str, delay_seconds: float = 0.0) -> None:
        """Have `TriggerEngine.handle_run(run_id)` run, no sooner than the delay."""

    async def oldest_waiting(self) -> datetime | None:
        """When the oldest message still waiting in the transport (not yet handed to any
        worker) was sent, or None when nothing waits or the transport cannot tell. Work
        sent since may still be on its way, so it is not sent again."""
