"""What the background processes say about themselves: one row per running worker, relay
or scheduler daemon, refreshed while it lives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, json_column, utcnow


class ProcessBeat(Base):
    """A background process's last sign of life. Beyond the seed: a stopped worker or daemon
    leaves no other trace (its leases are released, its slots are claimed by a standby), so
    the system page and monitoring read how long ago each one was last heard from. A platform
    row: processes serve every company."""

    __tablename__ = "process_beats"
    __table_args__ = (sa.Index("idx_process_beats_seen", "seen_at"),)

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    """The process's own name (host:pid:random, as its leases and slot claims say)."""
    kind: Mapped[str] = mapped_column(sa.String(16))
    """worker, relay or scheduler."""
    host: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = json_column("{}")
