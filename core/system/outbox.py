"""The outbox as monitoring sees it: events no worker has admitted yet (waiting for the relay,
or handed to the broker), the age of the oldest, how long the relay takes to send events,
and trigger runs not finished."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.models import OutboxEvent, utcnow
from core.models.automation import TriggerRun
from core.models.base import as_utc

RECENT = timedelta(minutes=5)
"""The relay's recent lag is measured over the events it sent this far back."""
RECENT_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class OutboxState:
    waiting_for_relay: int
    """Committed events the relay has not sent yet."""
    in_broker: int
    """Events sent to the broker that no worker has admitted yet."""
    oldest_at: datetime | None
    """When the oldest event not yet admitted was committed."""
    oldest_age_seconds: float | None
    relay_lag_seconds: float
    """How long the oldest event waiting for the relay has waited (0 when none waits)."""
    recent_sent: int
    """Events the relay sent in the last RECENT."""
    recent_lag_seconds_avg: float | None
    recent_lag_seconds_max: float | None
    open_runs: int
    """Trigger runs admitted and not finished (running, waiting for a retry or a delay)."""
    measured_at: datetime

    @property
    def backlog(self) -> int:
        return self.waiting_for_relay + self.in_broker


async def outbox_state(
    session: AsyncSession,
    principal: Principal,
    *,
    company_id: str | None,
    now: datetime | None = None,
) -> OutboxState:
    """The outbox of `company_id`, or of the whole platform (None, a developer's view)."""
    require(principal, "system.read")
    now = now or utcnow()
    mine = [] if company_id is None else [OutboxEvent.company_id == company_id]
    unadmitted = OutboxEvent.admitted_at.is_(None)
    pending = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.min(OutboxEvent.created_at)).where(
                OutboxEvent.dispatched_at.is_(None), unadmitted, *mine
            )
        )
    ).one()
    sent = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.min(OutboxEvent.created_at)).where(
                OutboxEvent.dispatched_at.is_not(None), unadmitted, *mine
            )
        )
    ).one()
    # Aggregates come back without the column's type on some dialects: make them aware.
    first_pending = None if pending[1] is None else as_utc(pending[1])
    first_sent = None if sent[1] is None else as_utc(sent[1])
    oldest = min((t for t in (first_pending, first_sent) if t is not None), default=None)
    recent = list(
        await session.execute(
            sa.select(OutboxEvent.created_at, OutboxEvent.dispatched_at)
            .where(OutboxEvent.dispatched_at >= now - RECENT, *mine)
            .order_by(OutboxEvent.dispatched_at.desc())
            .limit(RECENT_SAMPLE)
        )
    )
    lags = [
        max(0.0, (as_utc(sent_at) - as_utc(made)).total_seconds())
        for made, sent_at in recent
        if sent_at
    ]
    runs = [] if company_id is None else [TriggerRun.company_id == company_id]
    open_runs = await session.scalar(
        sa.select(sa.func.count()).select_from(TriggerRun).where(TriggerRun.status != "done", *runs)
    )
    return OutboxState(
        waiting_for_relay=int(pending[0]),
        in_broker=int(sent[0]),
        oldest_at=oldest,
        oldest_age_seconds=None if oldest is None else (now - oldest).total_seconds(),
        relay_lag_seconds=0.0 if first_pending is None else (now - first_pending).total_seconds(),
        recent_sent=len(lags),
        recent_lag_seconds_avg=round(sum(lags) / len(lags), 3) if lags else None,
        recent_lag_seconds_max=round(max(lags), 3) if lags else None,
        open_runs=int(open_runs or 0),
        measured_at=now,
    )
