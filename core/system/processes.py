"""The background processes heard from (ProcessBeat rows) and the last schedule slots each
scheduler daemon claimed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.models import ProcessBeat, ScheduleSlot, Trigger, utcnow
from core.system.beats import BEAT_SECONDS

FORGOTTEN_AFTER = timedelta(days=1)
"""Processes silent for longer are no longer listed."""
SILENT_AFTER_SECONDS = 6 * BEAT_SECONDS
"""A process not heard from for this long is shown as silent: stopped, or hung."""
LAST_SLOTS = 5


@dataclass(frozen=True, slots=True)
class SlotClaimed:
    trigger_id: str
    trigger_name: str
    fire_at: datetime
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class ProcessSeen:
    name: str
    kind: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    seconds_ago: float
    alive: bool
    details: dict[str, Any]
    last_slots: list[SlotClaimed] = field(default_factory=list)


async def processes_seen(
    session: AsyncSession,
    principal: Principal,
    *,
    company_id: str | None,
    kind: str | None = None,
    now: datetime | None = None,
) -> list[ProcessSeen]:
    """Workers, relays and scheduler daemons heard from in the last day, most recent first;
    schedulers with the last slots they claimed (of `company_id`'s triggers, or of every
    company's for a developer's platform view, None). A process's details (its counts over
    every company) are the platform's, shown at platform level only."""
    require(principal, "system.read")
    now = now or utcnow()
    query = sa.select(ProcessBeat).where(ProcessBeat.seen_at >= now - FORGOTTEN_AFTER)
    if kind is not None:
        query = query.where(ProcessBeat.kind == kind)
    beats = list(await session.scalars(query.order_by(ProcessBeat.seen_at.desc())))
    slots = await _last_slots(session, [b.name for b in beats if b.kind == "scheduler"], company_id)
    return [
        ProcessSeen(
            name=b.name,
            kind=b.kind,
            host=b.host,
            pid=b.pid,
            started_at=b.started_at,
            seen_at=b.seen_at,
            seconds_ago=round((now - b.seen_at).total_seconds(), 1),
            alive=(now - b.seen_at).total_seconds() <= SILENT_AFTER_SECONDS,
            details=dict(b.details) if company_id is None else {},
            last_slots=slots.get(b.name, []),
        )
        for b in beats
    ]


async def _last_slots(
    session: AsyncSession, daemons: list[str], company_id: str | None
) -> dict[str, list[SlotClaimed]]:
    found: dict[str, list[SlotClaimed]] = {}
    for daemon in daemons:
        query = (
            sa.select(ScheduleSlot, Trigger.name)
            .join(Trigger, Trigger.id == ScheduleSlot.trigger_id)
            .where(ScheduleSlot.claimed_by == daemon)
            .order_by(ScheduleSlot.claimed_at.desc())
            .limit(LAST_SLOTS)
        )
        if company_id is not None:
            query = query.where(ScheduleSlot.company_id == company_id)
        found[daemon] = [
            SlotClaimed(slot.trigger_id, name, slot.fire_at, slot.claimed_at)
            for slot, name in await session.execute(query)
        ]
    return found
