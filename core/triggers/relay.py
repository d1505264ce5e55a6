"""The database half of the outbox relay: take a batch of undispatched events, and mark
them dispatched once the broker has accepted them (in the same transaction); send again the
events that were dispatched but that no worker admitted within a bound (the broker lost
them: Redis restarted empty, a worker killed with messages it had reserved); and forget
events whose work is long finished, so the outbox does not grow without end.

The outbox answers for an event until a worker has admitted it (`admitted_at`, set in the
transaction that commits its trigger runs): a broker's acceptance is not a delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ActionEffect, OutboxEvent, utcnow
from core.models.automation import TriggerRun
from core.triggers.runs import DONE


async def pending_events(session: AsyncSession, limit: int) -> list[str]:
    """Ids of the oldest undispatched events, locked for this transaction on PostgreSQL
    (SKIP LOCKED: several relays share the work instead of sending twice)."""
    query = (
        sa.select(OutboxEvent.id)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.created_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def mark_dispatched(
    session: AsyncSession, event_ids: Sequence[str], *, admitted: bool = False
) -> None:
    """`admitted`: the dispatcher admitted the events before answering (embedded mode)."""
    if event_ids:
        now = utcnow()
        values = {"dispatched_at": now, "admitted_at": now} if admitted else {"dispatched_at": now}
        await session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(list(event_ids)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def events_to_redeliver(
    session: AsyncSession,
    *,
    older_than: float,
    limit: int,
    waiting_since: datetime | None = None,
) -> list[str]:
    """Ids of events dispatched more than `older_than` seconds ago that no worker has
    admitted, oldest first, locked (SKIP LOCKED) for the caller, who sends them and marks
    them dispatched again, so each is sent at most once per `older_than`. `waiting_since`:
    when the oldest message still queued in the broker was sent; events dispatched since may
    be in the queue behind it (a backlog, not a loss) and are left alone."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    if waiting_since is not None:
        cutoff = min(cutoff, waiting_since)
    query = (
        sa.select(OutboxEvent.id)
        .where(
            OutboxEvent.admitted_at.is_(None),
            OutboxEvent.dispatched_at.is_not(None),
            OutboxEvent.dispatched_at < cutoff,
        )
        .order_by(OutboxEvent.dispatched_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def mark_admitted(session: AsyncSession, event_ids: Sequence[str]) -> None:
    """In the transaction that committed the events' runs (or found none to claim)."""
    if event_ids:
        await session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(list(event_ids)), OutboxEvent.admitted_at.is_(None))
            .values(admitted_at=utcnow())
            .execution_options(synchronize_session=False)
        )


async def prune_outbox(session: AsyncSession, *, older_than: timedelta, limit: int) -> int:
    """Delete up to `limit` events admitted more than `older_than` ago whose trigger runs
    have all finished, with those runs, and the action effects recorded that long ago (a
    finished run never resumes). Their executions stay: the history keeps the event's data,
    and retrying one of them answers that its event is no longer kept. Returns how many
    events went."""
    cutoff = utcnow() - older_than
    unfinished = sa.exists().where(TriggerRun.event_id == OutboxEvent.id, TriggerRun.status != DONE)
    ids = list(
        (
            await session.scalars(
                sa.select(OutboxEvent.id)
                .where(OutboxEvent.admitted_at < cutoff, ~unfinished)
                .order_by(OutboxEvent.admitted_at)
                .limit(limit)
            )
        ).all()
    )
    if ids:
        await session.execute(sa.delete(TriggerRun).where(TriggerRun.event_id.in_(ids)))
        await session.execute(sa.delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
    await session.execute(sa.delete(ActionEffect).where(ActionEffect.created_at < cutoff))
    return len(ids)
