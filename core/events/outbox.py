"""Write a domain event into the outbox, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.events.hints import note_events_written
from core.models import EventType, new_id
from core.models.base import Base
from core.models.events import OutboxEvent
from core.staging import stage

OUTBOX = Base.metadata.tables[OutboxEvent.__tablename__]


def record_event(
    session: AsyncSession,
    event_type: EventType,
    *,
    company_id: str,
    payload: dict[str, Any],
    task_id: str | None = None,
    flow_id: str | None = None,
    table_id: str | None = None,
    trigger_id: str | None = None,
    chain_depth: int = 0,
    event_id: str | None = None,
) -> str:
    """Stage the event in `session` (see core.staging); it commits (or rolls back) with the
    caller's change, and its commit hints the relay (core.events.hints). `payload` must be
    JSON-serialisable; it becomes the trigger's `eventData`. Returns the event's id."""
    event_id = event_id or new_id()
    stage(
        session,
        OUTBOX,
        {
            "id": event_id,
            "event_type": event_type,
            "company_id": company_id,
            "payload": payload,
            "task_id": task_id,
            "flow_id": flow_id,
            "table_id": table_id,
            "trigger_id": trigger_id,
            "chain_depth": chain_depth,
        },
    )
    note_events_written(session)
    return event_id
