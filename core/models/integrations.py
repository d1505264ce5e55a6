"""Integrations with outside tools and their sync workflows: the seed's section 8."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, JSONType, TenantOwned, Timestamps, enum_column, id_column
from core.models.enums import IntegrationType

if TYPE_CHECKING:
    from core.models.tenancy import Company


class Integration(TenantOwned, Timestamps, Base):
    """A company's connection to a vendor; secrets inside `config` are encrypted at rest."""

    __tablename__ = "integrations"
    __table_args__ = (
        sa.Index("idx_integrations_company", "company_id"),
        sa.Index("idx_integrations_type", "type"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    type: Mapped[IntegrationType] = enum_column(IntegrationType)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    config: Mapped[dict[str, Any]] = mapped_column(JSONType)
    last_sync_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    workflows: Mapped[list[IntegrationWorkflow]] = relationship(
        back_populates="integration", cascade="all, delete-orphan", passive_deletes=True
    )


class IntegrationWorkflow(TenantOwned, Timestamps, Base):
    """A source or event of an integration wired to an action, with run statistics."""

    __tablename__ = "integration_workflows"
    __table_args__ = (sa.Index("idx_integration_workflows_integration", "integration_id"),)

    id: Mapped[str] = id_column()
    name: Mapped[str]
    integration_id: Mapped[str] = mapped_column(
        sa.ForeignKey("integrations.id", ondelete="CASCADE")
    )
    trigger_config: Mapped[dict[str, Any]] = mapped_column(JSONType)
    action_config: Mapped[dict[str, Any]] = mapped_column(JSONType)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    execution_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_executed_at: Mapped[datetime | None]

    integration: Mapped[Integration] = relationship(back_populates="workflows")
