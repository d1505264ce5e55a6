"""The outbox's backlog as metrics, measured from the database when /metrics is read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.instruments import OUTBOX_EVENTS, OUTBOX_OLDEST_AGE
from core.models import OutboxEvent, utcnow
from core.models.base import as_utc

STAGES = {
    "waiting_for_relay": OutboxEvent.dispatched_at.is_(None),
    "in_broker": OutboxEvent.dispatched_at.is_not(None),
}


async def measure_outbox(session: AsyncSession, now: datetime | None = None) -> None:
    """Set the backlog gauges: events not admitted by a worker, per stage, and the age of
    the oldest. Platform-wide (no company is set: the figures are counts only). Both use the
    outbox's partial indexes of undispatched and unadmitted events."""
    now = now or utcnow()
    for stage, condition in STAGES.items():
        count, oldest = (
            await session.execute(
                sa.select(sa.func.count(), sa.func.min(OutboxEvent.created_at)).where(
                    OutboxEvent.admitted_at.is_(None), condition
                )
            )
        ).one()
        OUTBOX_EVENTS.labels(stage).set(count)
        age = 0.0 if oldest is None else max(0.0, (now - as_utc(oldest)).total_seconds())
        OUTBOX_OLDEST_AGE.labels(stage).set(age)
