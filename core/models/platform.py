"""Audit logs, versions, files and email templates: the seed's sections 9 to 12."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import (
    Base,
    JSONType,
    TenantOwned,
    Timestamps,
    enum_column,
    id_column,
    json_column,
    utcnow,
)
from core.models.enums import LogLevel, VersionStatus

if TYPE_CHECKING:
    from core.models.tenancy import User


class AuditLog(Base):
    """Who changed what, when and from where. `company_id` is beyond the seed: it scopes the
    log to a tenant; it is empty for platform-level actions of developers."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        sa.Index("idx_audit_logs_user", "user_id"),
        sa.Index("idx_audit_logs_action", "action"),
        sa.Index("idx_audit_logs_entity", "entity", "entity_id"),
        sa.Index("idx_audit_logs_timestamp", "timestamp"),
        sa.Index("idx_audit_logs_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    company_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE")
    )
    api_key_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    """Beyond the seed: the API key the change was made with (`user_id` is its creator)."""
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[str]
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # `metadata` is reserved on declarative classes, hence the attribute name.
    metadata_: Mapped[dict[str, Any]] = json_column("{}", name="metadata")
    ip_address: Mapped[str | None]
    user_agent: Mapped[str | None]
    level: Mapped[LogLevel] = enum_column(LogLevel, LogLevel.INFO)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    user: Mapped[User] = relationship()


class Version(Base):
    """A published, immutable snapshot of a definition and how far it is rolled out.
    Platform-level (developers publish for many companies), so it has no company."""

    __tablename__ = "versions"
    __table_args__ = (
        sa.Index("idx_versions_entity", "entity_type", "entity_id"),
        sa.Index("idx_versions_version", "version"),
    )

    id: Mapped[str] = id_column()
    version: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[str]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changes: Mapped[str | None]
    change_log: Mapped[list[Any]] = json_column("[]")
    status: Mapped[VersionStatus] = enum_column(VersionStatus, VersionStatus.DRAFT)
    rollout_percentage: Mapped[int] = mapped_column(default=0, server_default="0")
    deployed_to_clients: Mapped[list[Any]] = json_column("[]")
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    published_at: Mapped[datetime | None]


class File(TenantOwned, Base):
    """An uploaded file; `path` is relative to the storage root and never user-chosen."""

    __tablename__ = "files"
    __table_args__ = (
        sa.Index("idx_files_context", "context", "context_id"),
        sa.Index("idx_files_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    filename: Mapped[str]
    original_name: Mapped[str]
    mimetype: Mapped[str]
    size: Mapped[int]
    path: Mapped[str]
    uploaded_by: Mapped[str]
    context: Mapped[str | None]
    context_id: Mapped[str | None]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class EmailTemplate(TenantOwned, Timestamps, Base):
    """A subject/body pair with `{{variables}}`, looked up by `type` from send_email actions."""

    __tablename__ = "email_templates"
    __table_args__ = (sa.Index("idx_email_templates_company", "company_id"),)

    id: Mapped[str] = id_column()
    name: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str] = mapped_column(sa.Text)
    variables: Mapped[list[Any]] = json_column("[]")
    type: Mapped[str]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
