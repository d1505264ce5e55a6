"""Background processes saying they are alive: an upserted row per process (ProcessBeat)."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.models import ProcessBeat, utcnow

log = logging.getLogger("erp.system")

BEAT_SECONDS = 5.0
"""How often a process records that it lives, at most: one upsert per process per interval,
and a process silent for several intervals is shown as gone."""


async def record_beat(
    session: AsyncSession, *, kind: str, name: str, details: dict[str, Any] | None = None
) -> None:
    """Say that the process `name` (a worker, relay or scheduler) is alive now."""
    now = utcnow()
    values = {
        "name": name[:64],
        "kind": kind,
        "host": socket.gethostname()[:255],
        "pid": os.getpid(),
        "started_at": now,
        "seen_at": now,
        "details": details or {},
    }
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ProcessBeat)
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=[ProcessBeat.name],
        set_={"seen_at": now, "details": values["details"], "kind": kind},
    )
    await session.execute(statement)


class Heartbeat:
    """A process's beat, sent at most every BEAT_SECONDS; never fails its caller (a database
    that is away is the caller's own concern, and the next beat tries again)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, kind: str, name: str) -> None:
        self.sessions = sessions
        self.kind = kind
        self.name = name
        self.last = 0.0

    async def __call__(self, details: dict[str, Any] | None = None, *, now: bool = False) -> None:
        if not now and time.monotonic() - self.last < BEAT_SECONDS:
            return
        self.last = time.monotonic()
        try:
            async with transaction(self.sessions) as session:
                await record_beat(session, kind=self.kind, name=self.name, details=details)
        except Exception as exc:
            log.debug("%s %s: beat not recorded (%s)", self.kind, self.name, exc)
