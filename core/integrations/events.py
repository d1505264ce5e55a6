"""Platform events as a workflow's source: the outbox rows of the workflow's event type
committed after its cursor, with the variables its action's templates see."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import EventType, IntegrationWorkflow, OutboxEvent
from core.tenancy import scope

Sessions = async_sessionmaker[AsyncSession]

EVENT_BATCH = 200


async def event_items(
    sessions: Sessions, workflow: IntegrationWorkflow, cursor: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Platform events of the workflow's type committed after the cursor (or, the first time,
    after the workflow was created), oldest first, read from the outbox."""
    trigger = workflow.trigger_config
    after_time = (
        datetime.fromisoformat(cursor["createdAt"])
        if cursor.get("createdAt")
        else workflow.created_at
    )
    after_id = str(cursor.get("id") or "")
    query = (
        sa.select(OutboxEvent)
        .where(
            OutboxEvent.event_type == EventType(trigger["eventType"]),
            sa.or_(
                OutboxEvent.created_at > after_time,
                sa.and_(OutboxEvent.created_at == after_time, OutboxEvent.id > after_id),
            ),
        )
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
        .limit(EVENT_BATCH)
    )
    for name, column in (
        ("taskId", OutboxEvent.task_id),
        ("flowId", OutboxEvent.flow_id),
        ("tableId", OutboxEvent.table_id),
    ):
        if trigger.get(name):
            query = query.where(column == trigger[name])
    async with sessions() as session:
        scope(session, workflow.company_id)
        events = (await session.scalars(query)).all()
    items = []
    for event in events:
        variables: dict[str, Any] = dict(event.payload)
        if isinstance(event.payload.get("data"), Mapping):
            for key, value in event.payload["data"].items():
                variables.setdefault(str(key), value)
        variables["event"] = {
            "id": event.id,
            "type": event.event_type.value,
            "occurredAt": event.created_at.isoformat(),
            "taskId": event.task_id,
            "flowId": event.flow_id,
            "tableId": event.table_id,
        }
        items.append(
            {
                "key": f"event:{event.id}",
                "data": variables,
                "cursor": {"createdAt": event.created_at.isoformat(), "id": event.id},
            }
        )
    return items
