"""Release state beyond the seed's Version row: rollouts paused for failing, and the
definitions a client company has installed from a platform entity."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantOwned, id_column, utcnow


class VersionPause(Base):
    """A version taken out of resolution until resumed. Beyond the seed: VersionStatus has
    no "paused", and a pause must keep the rollout (pins, percentage) to resume it as it
    was. `paused_by` is empty when the failure-rate watchdog paused it."""

    __tablename__ = "version_pauses"

    version_id: Mapped[str] = mapped_column(
        sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str]
    failure_rate: Mapped[float | None]
    executions: Mapped[int | None]
    paused_by: Mapped[str | None]
    paused_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class EntityInstall(TenantOwned, Base):
    """A client company's own header row (a Flow, Task, ...) standing for a platform entity
    built in another company. Beyond the seed: tenant rows cannot point across companies,
    so the client holds a header and the content is resolved from the version it sees."""

    __tablename__ = "entity_installs"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "entity_type", "source_id"),
        sa.UniqueConstraint("company_id", "entity_type", "local_id"),
    )

    id: Mapped[str] = id_column()
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    source_id: Mapped[str] = mapped_column(sa.String(36))
    local_id: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
