"""The triggers a company runs for a versioned task, flow or table: those frozen in the version
the company sees, under the company's own trigger rows (core.triggers asks here)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import EntityInstall, EventType, OutboxEvent, Trigger, Version
from core.releases.installs import local_ids
from core.releases.references import localise_actions
from core.releases.resolution import Resolution, resolve_version

_COLUMN = {"Task": "task_id", "Flow": "flow_id", "CustomTable": "table_id"}


async def released_triggers(
    session: AsyncSession, event: OutboxEvent, live: list[Trigger]
) -> list[Trigger]:
    """The triggers `event` fires, given `live`, those its company's trigger rows match: for
    each of the event's task, flow and table whose company sees a version, the rows attached
    to it give way to the triggers frozen in that version. Entities without versions, and
    companies no version reaches, keep their rows."""
    subjects = {
        entity_type: local_id
        for entity_type, column in _COLUMN.items()
        if (local_id := getattr(event, column)) is not None
    }
    if not subjects or not await _any_versions(session, event.company_id, subjects):
        return live
    triggers = live
    for entity_type, local_id in subjects.items():
        seen = await resolve_version(
            session, entity_type=entity_type, entity_id=local_id, company_id=event.company_id
        )
        if seen is None:
            continue
        column = _COLUMN[entity_type]
        triggers = [t for t in triggers if getattr(t, column) != local_id]
        triggers += await _frozen_triggers(session, seen, event.company_id, column, event)
    return triggers


async def released_trigger(session: AsyncSession, trigger: Trigger) -> Trigger:
    """The trigger as its company runs it now: its content from the version the company sees
    of the entity it is attached to, else the row itself (a run resumed after a delay or a
    retry runs what an event would fire)."""
    for entity_type, column in _COLUMN.items():
        local_entity = getattr(trigger, column)
        if local_entity is None:
            continue
        seen = await resolve_version(
            session, entity_type=entity_type, entity_id=local_entity, company_id=trigger.company_id
        )
        if seen is None:
            continue
        source_id = trigger.id
        if _is_client(seen.version, trigger.company_id):
            source_id = (
                await session.scalar(
                    sa.select(EntityInstall.source_id).where(
                        EntityInstall.company_id == trigger.company_id,
                        EntityInstall.entity_type == "Trigger",
                        EntityInstall.local_id == trigger.id,
                    )
                )
                or ""
            )
        for frozen in seen.version.snapshot.get("triggers", []):
            if frozen["id"] == source_id:
                if _is_client(seen.version, trigger.company_id):
                    frozen = await _localised(session, frozen, trigger.company_id)
                return _as_trigger(frozen, trigger.id, trigger.company_id, column, local_entity)
        return trigger
    return trigger


def _is_client(version: Version, company_id: str) -> bool:
    return version.snapshot.get("companyId") != company_id


async def _any_versions(session: AsyncSession, company_id: str, subjects: dict[str, str]) -> bool:
    """One query: has any of the subjects (or what they were installed from) a version?"""
    ids = list(subjects.values())
    installed = sa.select(EntityInstall.source_id).where(
        EntityInstall.company_id == company_id, EntityInstall.local_id.in_(ids)
    )
    found = await session.scalar(
        sa.select(Version.id)
        .where(sa.or_(Version.entity_id.in_(ids), Version.entity_id.in_(installed)))
        .limit(1)
    )
    return found is not None


async def _frozen_triggers(
    session: AsyncSession, seen: Resolution, company_id: str, column: str, event: OutboxEvent
) -> list[Trigger]:
    frozen = [
        t
        for t in seen.version.snapshot.get("triggers", [])
        if t["isActive"] and t["eventType"] == event.event_type.value
    ]
    if not frozen:
        return []
    source_ids = [t["id"] for t in frozen]
    if _is_client(seen.version, company_id):
        rows = await local_ids(session, company_id, "Trigger", source_ids)
        frozen = [await _localised(session, t, company_id) for t in frozen]
    else:
        # Executions are recorded against the trigger's row: one deleted since is skipped.
        kept = await session.scalars(sa.select(Trigger.id).where(Trigger.id.in_(source_ids)))
        rows = {trigger_id: trigger_id for trigger_id in kept}
    return [
        _as_trigger(t, rows[t["id"]], company_id, column, seen.local_id)
        for t in frozen
        if t["id"] in rows
    ]


async def _localised(
    session: AsyncSession, frozen: dict[str, Any], company_id: str
) -> dict[str, Any]:
    """The frozen trigger with the rows its actions name found in the client company."""
    references = frozen.get("references") or []
    if not references:
        return frozen
    actions = await localise_actions(session, company_id, frozen["actions"], references)
    return frozen | {"actions": actions}


def _as_trigger(
    frozen: dict[str, Any], trigger_id: str, company_id: str, column: str, entity_id: str
) -> Trigger:
    """A trigger built from its frozen form, never added to a session: it only carries the
    version's content under the company's row id to the engine."""
    trigger = Trigger(
        id=trigger_id,
        company_id=company_id,
        name=frozen["name"],
        description=frozen["description"],
        is_active=frozen["isActive"],
        event_type=EventType(frozen["eventType"]),
        event_config=frozen["eventConfig"] or {},
        conditions=frozen["conditions"],
        actions=frozen["actions"],
        settings=frozen["settings"] or {},
    )
    setattr(trigger, column, entity_id)
    return trigger
