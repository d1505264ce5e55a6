"""The background side of integration workflows: every ERP_INTEGRATION_POLL_SECONDS, run the
workflows that are due (event workflows read new outbox events, sources sync, schedules fire).
Leases and item claims in core.integrations make several schedulers safe together."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.integrations.workflows import run_due_workflows
from core.settings import Settings

log = logging.getLogger("erp.scheduler.integrations")


async def run_integration_workflows(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Poll until `stop` is set; a failing round is logged and the next one tries again."""
    from core.vault import install_secret_box

    install_secret_box(settings)
    while not stop.is_set():
        try:
            ran = await run_due_workflows(sessions, settings)
            if ran:
                log.info("ran %d integration workflows", ran)
        except Exception:
            log.exception("integration workflows: this round failed; the next one tries again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.integrations.poll_seconds)
