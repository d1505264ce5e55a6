"""The transactional outbox: domain events written in the same transaction as their change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, JSONType, TenantOwned, enum_column, id_column, utcnow
from core.models.enums import EventType


class OutboxEvent(TenantOwned, Base):
    """A domain event waiting to be (or already) handed to trigger processing. Beyond the
    seed: the outbox makes "no event without its change, no change without its event"
    hold, because the row commits or rolls back with the change that caused it."""

    __tablename__ = "event_outbox"
    __table_args__ = (
        sa.Index(
            "idx_event_outbox_pending",
            "created_at",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        ),
        # The relay's redelivery sweep: dispatched, not (yet) admitted by a worker.
        sa.Index(
            "idx_event_outbox_unadmitted",
            "dispatched_at",
            postgresql_where=sa.text("admitted_at IS NULL AND dispatched_at IS NOT NULL"),
            sqlite_where=sa.text("admitted_at IS NULL AND dispatched_at IS NOT NULL"),
        ),
        sa.Index("idx_event_outbox_company", "company_id"),
        # The live hub reads the last seconds' events (core.live).
        sa.Index("idx_event_outbox_created", "created_at"),
    )

    id: Mapped[str] = id_column()
    event_type: Mapped[EventType] = enum_column(EventType)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # What the event is about: triggers are matched on these.
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    flow_id: Mapped[str | None] = mapped_column(sa.String(36))
    table_id: Mapped[str | None] = mapped_column(sa.String(36))
    trigger_id: Mapped[str | None] = mapped_column(sa.String(36))
    # How many trigger actions led to this event (loops are cut at a limit).
    chain_depth: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    dispatched_at: Mapped[datetime | None]
    """When the relay last handed the event to the broker."""
    admitted_at: Mapped[datetime | None]
    """When a worker committed the event's trigger runs (or found that no trigger matches):
    until then the outbox, not the broker, answers for the event (core.triggers.relay)."""
