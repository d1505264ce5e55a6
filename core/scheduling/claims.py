"""Claiming slots: the unique (trigger, slot) row and the SCHEDULED event commit together,
so a slot fires once however many daemons compute it, and never without its event."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.events import record_event
from core.metrics import SCHEDULE_SLOTS
from core.models import EventType, Trigger, as_utc, new_id, utcnow
from core.models.automation import ScheduleSlot
from core.scheduling.schedule import Schedule, due_slots, parse_schedule


async def scheduled_triggers(session: AsyncSession) -> list[Trigger]:
    """Every active SCHEDULED trigger of every company (the daemon is platform-level)."""
    rows = await session.scalars(
        sa.select(Trigger).where(
            Trigger.event_type == EventType.SCHEDULED, Trigger.is_active.is_(True)
        )
    )
    return list(rows.all())


def schedule_of(trigger: Trigger) -> Schedule:
    """The trigger's schedule (ValidationFailed when its eventConfig is not one)."""
    return parse_schedule(trigger.event_config, anchor=as_utc(trigger.created_at))


async def last_claimed(session: AsyncSession, trigger_id: str) -> datetime | None:
    return await session.scalar(
        sa.select(sa.func.max(ScheduleSlot.fire_at)).where(ScheduleSlot.trigger_id == trigger_id)
    )


async def claim_slot(
    session: AsyncSession, trigger: Trigger, fire_at: datetime, *, claimed_by: str, late: bool
) -> str | None:
    """Claim the slot and record its SCHEDULED event in the caller's transaction. Returns the
    event id, or None when the slot was claimed already (by this or another daemon)."""
    event_id = new_id()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = await session.scalar(
        dialect.insert(ScheduleSlot)
        .values(
            id=new_id(),
            company_id=trigger.company_id,
            trigger_id=trigger.id,
            fire_at=fire_at,
            event_id=event_id,
            claimed_by=claimed_by,
            claimed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["trigger_id", "fire_at"])
        .returning(ScheduleSlot.id)
    )
    if inserted is None:
        SCHEDULE_SLOTS.labels("taken").inc()
        return None
    SCHEDULE_SLOTS.labels("claimed").inc()
    record_event(
        session,
        EventType.SCHEDULED,
        company_id=trigger.company_id,
        payload={
            "triggerId": trigger.id,
            "scheduledFor": fire_at.isoformat(),
            "firedAt": utcnow().isoformat(),
            "late": late,
        },
        trigger_id=trigger.id,
        event_id=event_id,
    )
    return event_id


async def fire_due_slots(
    sessions: async_sessionmaker[AsyncSession],
    trigger_id: str,
    *,
    claimed_by: str,
    now: datetime | None = None,
) -> list[datetime]:
    """Claim every slot of the trigger that is due now; returns the slots this call claimed.
    Slots start after the trigger's last edit, so a changed schedule does not fire for
    times before the change."""
    now = now or utcnow()
    async with transaction(sessions) as session:
        trigger = await session.get(Trigger, trigger_id)
        if trigger is None or not trigger.is_active or trigger.event_type != EventType.SCHEDULED:
            return []
        schedule = schedule_of(trigger)
        last = await last_claimed(session, trigger.id)
    window_start = max(as_utc(trigger.updated_at), schedule.start or as_utc(trigger.created_at))
    last = as_utc(last) if last is not None else None
    slots = due_slots(schedule, window_start=window_start, last_claimed=last, now=now)
    claimed = []
    late_before = now - schedule.misfire_grace
    for slot in slots:
        async with transaction(sessions) as session:
            if await claim_slot(
                session, trigger, slot, claimed_by=claimed_by, late=slot < late_before
            ):
                claimed.append(slot)
    return claimed
