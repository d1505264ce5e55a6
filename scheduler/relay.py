"""The outbox relay: hands committed events to the workers and marks them dispatched; when
the broker is down the events simply stay in the outbox until it is back. It also resends
trigger runs whose message was lost (see core.triggers.runs_to_redeliver)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.settings import AutomationSettings
from core.triggers import Dispatcher, mark_dispatched, pending_events, runs_to_redeliver

log = logging.getLogger("erp.relay")


async def relay_once(
    sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher, *, batch_size: int
) -> int:
    """Send one batch of pending events; returns how many were sent. If sending fails the
    transaction rolls back and the events stay pending."""
    async with transaction(sessions) as session:
        ids = await pending_events(session, batch_size)
        if ids:
            await dispatcher.send_events(ids)
            await mark_dispatched(session, ids)
    return len(ids)


async def redeliver_stale_runs(
    sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher, *, stale_seconds: float
) -> int:
    async with transaction(sessions) as session:
        ids = await runs_to_redeliver(session, stale_seconds=stale_seconds)
        for run_id in ids:
            await dispatcher.send_run(run_id)
    if ids:
        log.info("relay: resent %d stale trigger runs", len(ids))
    return len(ids)


async def run_relay(
    sessions: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    automation: AutomationSettings,
    stop: asyncio.Event,
) -> None:
    """Relay until `stop` is set: poll the outbox every ERP_RELAY_POLL_SECONDS (passes start
    at that pace, however long each took; at once again while batches come back full),
    sweep stale runs now and then, and wait out broker or database outages without losing
    anything."""
    sweep_every = max(automation.relay_poll_seconds, min(5.0, automation.stale_run_seconds / 2))
    last_sweep = 0.0
    failing = False
    while not stop.is_set():
        sent = 0
        started = time.monotonic()
        try:
            sent = await relay_once(sessions, dispatcher, batch_size=automation.relay_batch_size)
            if time.monotonic() - last_sweep >= sweep_every:
                last_sweep = time.monotonic()
                await redeliver_stale_runs(
                    sessions, dispatcher, stale_seconds=automation.stale_run_seconds
                )
            if failing:
                log.info("relay: sending again")
                failing = False
        except Exception as exc:  # broker or database down: wait and try again
            if not failing:
                log.warning("relay: cannot send events now (%s); they stay in the outbox", exc)
                failing = True
            await _wait(stop, 1.0)
            continue
        if sent < automation.relay_batch_size:
            # An event waits for the next pass: counting the pass's own time in the interval
            # keeps that wait within ERP_RELAY_POLL_SECONDS.
            await _wait(stop, automation.relay_poll_seconds - (time.monotonic() - started))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        await asyncio.sleep(0)  # still let the rest of the event loop run
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
