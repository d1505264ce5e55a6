"""The mail log: every e-mail the platform sends, as Frappe's Email Queue keeps it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantOwned, Timestamps, id_column, json_column


class MailStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    """Written before the SMTP server is asked: a crash mid-send leaves it here."""
    SENT = "SENT"
    FAILED = "FAILED"
    CAPTURED = "CAPTURED"
    """Kept in the log instead of sent (embedded mode without ERP_SMTP_HOST)."""


class OutgoingEmail(TenantOwned, Timestamps, Base):
    """One e-mail of a company and what became of it. Beyond the seed. `idempotency_key`
    (the sending action's, one per action of a run) is unique, so the retries of one action
    count `attempts` on one row and keep its Message-ID, and an e-mail already sent or
    captured is not sent again when its run is resumed. `error` is the last failure's
    reason. `source_id` is the trigger (or integration workflow) that sent it, `run_id` its
    run."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (
        sa.Index("idx_outgoing_emails_company", "company_id", "created_at"),
        sa.Index("idx_outgoing_emails_status", "company_id", "status"),
    )

    id: Mapped[str] = id_column()
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(255))
    sender: Mapped[str]
    to: Mapped[list[Any]] = json_column("[]")
    cc: Mapped[list[Any]] = json_column("[]")
    bcc: Mapped[list[Any]] = json_column("[]")
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[MailStatus] = mapped_column(
        sa.Enum(
            MailStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=MailStatus.QUEUED,
        server_default=MailStatus.QUEUED.value,
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    source_id: Mapped[str | None] = mapped_column(sa.String(36))
    run_id: Mapped[str | None] = mapped_column(sa.String(255))
    sent_at: Mapped[datetime | None]


__all__ = ["MailStatus", "OutgoingEmail"]
