"""Integration state beyond the seed: a log of every integration call and sync run, each
source's incremental cursor with a lease (so overlapping syncs do not import twice), the items
a source has already imported, and pending OAuth authorisations (state and PKCE verifier)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantOwned, id_column, json_column, utcnow


class IntegrationRun(TenantOwned, Base):
    """One call of an integration: an action (from a trigger or a workflow), a source sync, or
    a connection test; with a redacted summary of what was sent and received."""

    __tablename__ = "integration_runs"
    __table_args__ = (
        sa.Index("idx_integration_runs_integration", "integration_id", "started_at"),
        sa.Index("idx_integration_runs_workflow", "workflow_id", "started_at"),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        sa.ForeignKey("integrations.id", ondelete="CASCADE")
    )
    workflow_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("integration_workflows.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    """action, sync or test."""
    operation: Mapped[str] = mapped_column(sa.String(100))
    """The action's or source's name."""
    status: Mapped[str] = mapped_column(sa.String(16))
    """RUNNING, SUCCESS, FAILED or SKIPPED (another sync of the source held the lease)."""
    error: Mapped[str | None] = mapped_column(sa.Text)
    request: Mapped[list[Any]] = json_column("[]")
    """Redacted summary of each HTTP exchange: method, URL, status, duration."""
    output: Mapped[dict[str, Any]] = json_column("{}")
    items: Mapped[int] = mapped_column(default=0, server_default="0")
    duration_ms: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    finished_at: Mapped[datetime | None]


class IntegrationCursor(TenantOwned, Base):
    """Where a workflow's source sync has got to (Gmail history id, Sheets row count, Zoho
    modified time, Graph delta link), and who holds the sync lease."""

    __tablename__ = "integration_cursors"

    workflow_id: Mapped[str] = mapped_column(
        sa.ForeignKey("integration_workflows.id", ondelete="CASCADE"), primary_key=True
    )
    cursor: Mapped[dict[str, Any]] = json_column("{}")
    last_sync_at: Mapped[datetime | None]
    lease_holder: Mapped[str | None] = mapped_column(sa.String(36))
    lease_until: Mapped[datetime | None]


class IntegrationItem(TenantOwned, Base):
    """An item a workflow's source has already handed to its action: never imported twice."""

    __tablename__ = "integration_items"

    workflow_id: Mapped[str] = mapped_column(
        sa.ForeignKey("integration_workflows.id", ondelete="CASCADE"), primary_key=True
    )
    item_key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    """When the item was claimed (by the run that finished it, or the one running it)."""
    output: Mapped[dict[str, Any]] = json_column("{}")
    finished_at: Mapped[datetime | None]
    """When its action finished; a claim left unfinished for longer than the workflow lease
    belongs to a run that died, and the next run takes it over (core.integrations.progress)."""


class OAuthAuthorization(TenantOwned, Base):
    """An OAuth consent in progress: the `state` sent to the vendor and the PKCE verifier
    (encrypted) that the callback needs to redeem the code."""

    __tablename__ = "oauth_authorizations"

    state: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    integration_id: Mapped[str] = mapped_column(
        sa.ForeignKey("integrations.id", ondelete="CASCADE")
    )
    code_verifier: Mapped[str] = mapped_column(sa.Text)
    redirect_uri: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime]
