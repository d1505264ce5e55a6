"""The database half of the outbox relay: take a batch of undispatched events, and mark
them dispatched once the broker has accepted them (in the same transaction)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import OutboxEvent, utcnow


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


async def mark_dispatched(session: AsyncSession, event_ids: Sequence[str]) -> None:
    if event_ids:
        await session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(list(event_ids)))
            .values(dispatched_at=utcnow())
            .execution_options(synchronize_session=False)
        )
