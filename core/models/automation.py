"""Automation state beyond the seed: trigger runs (idempotency and progress), the effects of
actions that write to the platform's database, the schedule-fire ledger, inbound webhook
endpoints with their delivery log, and in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import (
    Base,
    JSONType,
    TenantOwned,
    Timestamps,
    id_column,
    json_column,
    utcnow,
)


class TriggerRun(TenantOwned, Timestamps, Base):
    """One trigger handling one event, from claim to its TriggerExecution. Beyond the seed:
    the unique (trigger, idempotency key) row is what makes a redelivered event a no-op, and
    it keeps per-action progress so a run resumed after a crash does not redo finished
    actions. `lease_until` stops two workers from running it at once."""

    __tablename__ = "trigger_runs"
    __table_args__ = (
        sa.UniqueConstraint("trigger_id", "idempotency_key"),
        sa.Index(
            "idx_trigger_runs_open",
            "not_before",
            postgresql_where=sa.text("status <> 'done'"),
            sqlite_where=sa.text("status <> 'done'"),
        ),
        sa.Index("idx_trigger_runs_trigger_created", "trigger_id", "created_at"),
        sa.Index("idx_trigger_runs_execution", "execution_id"),
        sa.Index("idx_trigger_runs_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    trigger_id: Mapped[str] = mapped_column(sa.ForeignKey("triggers.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(36))
    # The event id for a first run; "<event id>/retry/<execution id>" for a manual retry.
    idempotency_key: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", server_default="pending")
    # Why the run ends without running actions (rate limit, chain depth), fixed at claim.
    blocked_reason: Mapped[str | None]
    # The conditions are evaluated once, when the run is claimed, so a resumed run and the
    # rate limit (which counts runs whose conditions were met) agree on the outcome.
    conditions_met: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    condition_result: Mapped[dict[str, Any]] = json_column("{}")
    chain_depth: Mapped[int] = mapped_column(default=0, server_default="0")
    action_results: Mapped[list[Any]] = json_column("[]")
    not_before: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[datetime | None]
    deliveries: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_of: Mapped[str | None] = mapped_column(sa.String(36))
    execution_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("trigger_executions.id", ondelete="SET NULL")
    )


class ActionEffect(TenantOwned, Base):
    """The committed effect of an action that writes to this platform's database (a record
    created or changed, a flow started, notifications written). Beyond the seed: the row is
    written in the same transaction as the effect, under the action's idempotency key, so a
    run resumed after a crash that struck between the effect's commit and the run's progress
    finds the effect done and does not repeat it."""

    __tablename__ = "trigger_action_effects"
    __table_args__ = (sa.Index("idx_trigger_action_effects_company", "company_id"),)

    idempotency_key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    output: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class ScheduleSlot(TenantOwned, Base):
    """A claimed fire time of a SCHEDULED trigger. Beyond the seed: the unique (trigger, slot)
    row, committed together with the SCHEDULED event, is how two scheduler daemons (or one
    restarted) fire every slot exactly once."""

    __tablename__ = "schedule_slots"
    __table_args__ = (
        sa.UniqueConstraint("trigger_id", "fire_at"),
        sa.Index("idx_schedule_slots_company", "company_id"),
        # The system page's last slots of each daemon (core.system).
        sa.Index("idx_schedule_slots_claimer", "claimed_by", "claimed_at"),
    )

    id: Mapped[str] = id_column()
    trigger_id: Mapped[str] = mapped_column(sa.ForeignKey("triggers.id", ondelete="CASCADE"))
    fire_at: Mapped[datetime]
    event_id: Mapped[str] = mapped_column(sa.String(36))
    claimed_by: Mapped[str] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class WebhookEndpoint(TenantOwned, Timestamps, Base):
    """An inbound webhook URL of a company, feeding one trigger. Beyond the seed: the id is
    the unguessable part of the URL and the secret signs deliveries (Standard Webhooks)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        sa.Index("idx_webhook_endpoints_trigger", "trigger_id"),
        sa.Index("idx_webhook_endpoints_company", "company_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    trigger_id: Mapped[str] = mapped_column(sa.ForeignKey("triggers.id", ondelete="CASCADE"))
    name: Mapped[str | None]
    # Encrypted with the platform's secrets keys (core.webhooks.seal_secret).
    secret: Mapped[str] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_received_at: Mapped[datetime | None]


class WebhookDelivery(TenantOwned, Base):
    """A message accepted by a webhook endpoint. Beyond the seed: the unique (endpoint, message
    id) row rejects a replayed or duplicated delivery."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "message_id"),
        sa.Index("idx_webhook_deliveries_received", "received_at"),
        sa.Index("idx_webhook_deliveries_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    endpoint_id: Mapped[str] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(sa.String(255))
    event_id: Mapped[str] = mapped_column(sa.String(36))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class Notification(TenantOwned, Base):
    """An in-app message to one user (the `notify` action). Beyond the seed, which has no
    inbox: users list their notifications and mark them read."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("idx_notifications_user", "user_id", "created_at"),
        sa.Index("idx_notifications_company", "company_id"),
        # The live hub reads the last seconds' notifications (core.live).
        sa.Index("idx_notifications_created", "created_at"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str]
    body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    link: Mapped[str | None]
    data: Mapped[dict[str, Any]] = json_column("{}")
    trigger_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("triggers.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    read_at: Mapped[datetime | None]


__all__ = [
    "Notification",
    "ScheduleSlot",
    "TriggerRun",
    "WebhookDelivery",
    "WebhookEndpoint",
]
