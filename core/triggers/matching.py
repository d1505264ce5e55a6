"""Which active triggers an event fires: same company and event type; attached to the
event's task/flow/table, or to none; SCHEDULED and WEBHOOK_RECEIVED events name their trigger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    CustomTable,
    EventType,
    FlowLevel,
    FlowLevelTask,
    OutboxEvent,
    Task,
    Trigger,
)
from core.releases import released_triggers
from core.triggers.conditions import Fields, fields_of

ADDRESSED_EVENTS = frozenset({EventType.SCHEDULED, EventType.WEBHOOK_RECEIVED})


def _key(event: OutboxEvent) -> tuple[Any, ...]:
    return (
        event.company_id,
        event.event_type,
        event.task_id,
        event.flow_id,
        event.table_id,
        event.trigger_id,
    )


async def triggers_for_events(
    session: AsyncSession, events: Sequence[OutboxEvent]
) -> dict[str, list[Trigger]]:
    """{event id: the active triggers it fires}, one query per distinct event subject. A
    task, flow or table whose company sees a released version fires the triggers frozen in
    that version (core.versions)."""
    by_key: dict[tuple[Any, ...], list[Trigger]] = {}
    for event in events:
        key = _key(event)
        if key not in by_key:
            live = await _live_triggers(session, event)
            if event.event_type not in ADDRESSED_EVENTS:
                live = await released_triggers(session, event, live)
            by_key[key] = live
    return {
        event.id: [t for t in by_key[_key(event)] if _config_accepts(t, event.payload)]
        for event in events
    }


# Built once: SCHEDULED and WEBHOOK_RECEIVED events come in bulk, each naming its trigger.
_ADDRESSED = sa.select(Trigger).where(
    Trigger.id == sa.bindparam("trigger_id"),
    Trigger.company_id == sa.bindparam("company_id"),
    Trigger.event_type == sa.bindparam("event_type"),
    Trigger.is_active.is_(True),
)


async def _live_triggers(session: AsyncSession, event: OutboxEvent) -> list[Trigger]:
    if event.event_type in ADDRESSED_EVENTS:
        params = {
            "trigger_id": event.trigger_id or "",
            "company_id": event.company_id,
            "event_type": event.event_type,
        }
        return list((await session.scalars(_ADDRESSED, params)).all())
    return list((await session.scalars(_matching(event))).all())


def _matching(event: OutboxEvent) -> sa.Select[Any]:
    query = sa.select(Trigger).where(
        Trigger.company_id == event.company_id,
        Trigger.event_type == event.event_type,
        Trigger.is_active.is_(True),
    )
    for column, value in (
        (Trigger.task_id, event.task_id),
        (Trigger.flow_id, event.flow_id),
        (Trigger.table_id, event.table_id),
    ):
        query = query.where(
            column.is_(None) if value is None else sa.or_(column.is_(None), column == value)
        )
    return query


def _config_accepts(trigger: Trigger, payload: Mapping[str, Any]) -> bool:
    """FIELD_CHANGED triggers may watch some fields only: eventConfig {"fields": [ids or
    labels]} is matched against the payload's "fieldId" and "fieldLabel" (a flow's
    FIELD_CHANGED names its field so) or "field" / "fields" / "changedFields"."""
    watched = (trigger.event_config or {}).get("fields")
    if trigger.event_type is not EventType.FIELD_CHANGED or not watched:
        return True
    changed: set[str] = set()
    for key in ("fieldId", "fieldLabel", "field", "fields", "changedFields"):
        value = payload.get(key)
        if isinstance(value, str):
            changed.add(value)
        elif isinstance(value, list | dict):
            changed.update(str(v) for v in value)
    return bool(changed & {str(f) for f in watched})


FieldsKey = tuple[str, str]
"""(trigger id, event id): the fields a trigger's conditions and templates read for an event."""


async def fields_for_runs(
    session: AsyncSession, pairs: Iterable[tuple[Trigger, OutboxEvent]]
) -> dict[FieldsKey, Fields | None]:
    """{(trigger id, event id): the field definitions its conditions and templates may name}:
    the fields of the event's task or table, and of what the trigger is attached to (a task,
    a table, or every task of a flow, its levels in order). So a flow-attached trigger reads
    its task events' fields by label as a task-attached one does, and a trigger attached to
    nothing reads the fields of the event's own task or table. Fields with the same id are
    taken once, the event's own first."""
    pairs = list(pairs)
    task_ids = {i for t, e in pairs for i in (t.task_id, e.task_id) if i}
    table_ids = {i for t, e in pairs for i in (t.table_id, e.table_id) if i}
    flow_ids = {i for t, e in pairs for i in (t.flow_id, e.flow_id) if i}
    task_fields: dict[str, Fields] = {}
    table_fields: dict[str, Fields] = {}
    flow_fields: dict[str, Fields | None] = {}
    if task_ids:
        rows = await session.execute(sa.select(Task.id, Task.fields).where(Task.id.in_(task_ids)))
        task_fields = {row.id: fields_of(row.fields) or [] for row in rows}
    if table_ids:
        rows = await session.execute(
            sa.select(CustomTable.id, CustomTable.schema).where(CustomTable.id.in_(table_ids))
        )
        table_fields = {row.id: fields_of(row.schema) or [] for row in rows}
    if flow_ids:
        flow_fields = await fields_of_flows(session, flow_ids)
    out: dict[FieldsKey, Fields | None] = {}
    for trigger, event in pairs:
        sources = [
            task_fields.get(event.task_id or ""),
            table_fields.get(event.table_id or ""),
            task_fields.get(trigger.task_id or ""),
            table_fields.get(trigger.table_id or ""),
            flow_fields.get(trigger.flow_id or event.flow_id or ""),
        ]
        out[(trigger.id, event.id)] = _merged(sources)
    return out


async def fields_of_flows(
    session: AsyncSession, flow_ids: Iterable[str]
) -> dict[str, Fields | None]:
    """{flow id: the fields of every task of its levels, in level order, each id once}."""
    rows = await session.execute(
        sa.select(FlowLevel.flow_id, Task.fields)
        .join(FlowLevelTask, FlowLevelTask.level_id == FlowLevel.id)
        .join(Task, Task.id == FlowLevelTask.task_id)
        .where(FlowLevel.flow_id.in_(list(flow_ids)))
        .order_by(FlowLevel.flow_id, FlowLevel.order, FlowLevelTask.order)
    )
    collected: dict[str, list[Fields | None]] = {}
    for row in rows:
        collected.setdefault(row.flow_id, []).append(fields_of(row.fields))
    return {flow_id: _merged(parts) for flow_id, parts in collected.items()}


def _merged(sources: Iterable[Fields | None]) -> Fields | None:
    merged: Fields = []
    seen: set[str] = set()
    known = False
    for fields in sources:
        if fields is None:
            continue
        known = True
        for field in fields:
            key = str(field.get("id"))
            if key not in seen:
                seen.add(key)
                merged.append(field)
    return merged if known else None
