"""The outbox relay: hands committed events to the workers and marks them dispatched; when
the broker is down the events simply stay in the outbox until it is back. A broker's
acceptance is not a delivery: events that no worker admitted within
ERP_RELAY_REDELIVER_SECONDS of being sent (the broker lost them, or a worker died holding
them) are sent again, and so are trigger runs whose message was lost (see
core.triggers.runs_to_redeliver). A hint that events were committed (core.events.hints)
wakes it at once; its poll is the safety net."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.events.dispatch import Dispatcher
from core.metrics import RELAY_EVENTS
from core.settings import AutomationSettings
from core.system import Heartbeat
from core.triggers import mark_dispatched, pending_events, runs_to_redeliver, worker_name
from core.triggers.relay import events_to_redeliver

log = logging.getLogger("erp.relay")

SWEEP_SECONDS = 5.0
"""The longest time between two sweeps for unadmitted events and stale runs (shorter when
ERP_RELAY_REDELIVER_SECONDS or ERP_TRIGGER_STALE_SECONDS is under twice this): what a
fault costs on top of those bounds before its work is sent again. Each sweep is two indexed
queries that find nothing in normal operation."""

PASS_SPACING_SECONDS = 0.05
"""Passes woken by hints start at least this far apart: under a stream of commits the relay
still sends batches, not one event per pass (each pass costs a transaction, and a message the
worker pays about as much for as for the events in it). Measured with bench/pipeline.py: at
10 ms the worker received eight times as many messages and fell behind (throughput about
halved); at 50 ms throughput matched the 0.1 s poll and the wait before the relay fell from
about 55 ms to 30 ms at p50."""


class RelayWake:
    """Wakes a relay waiting for its next poll: a hint sender (core.events.hints) for this
    process's commits, and what the Redis hint listener sets. Create it on the relay's event
    loop; `hint` may be called from any thread. `hints` counts the hints received."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        self.hints = 0

    def hint(self) -> None:
        self.hints += 1
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.event.set()
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.event.set)

    def clear(self) -> None:
        self.event.clear()

    async def wait(self, seconds: float) -> None:
        """Until a hint arrives or `seconds` have passed."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.event.wait()


async def relay_once(
    sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher, *, batch_size: int
) -> int:
    """Send one batch of pending events; returns how many were sent. If sending fails the
    transaction rolls back and the events stay pending."""
    async with transaction(sessions) as session:
        ids = await pending_events(session, batch_size)
        if ids:
            admitted = await dispatcher.send_events(ids)
            await mark_dispatched(session, ids, admitted=admitted)
    if ids:
        RELAY_EVENTS.labels("first").inc(len(ids))
    return len(ids)


async def redeliver_unadmitted_events(
    sessions: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    *,
    older_than: float,
    batch_size: int,
) -> int:
    """Send again the events dispatched more than `older_than` seconds ago that no worker
    has admitted and that cannot be waiting in the broker's queue (sent before its oldest
    waiting message); returns how many. Admission is idempotent per (trigger, event), and an
    admitted event's duplicate message is skipped, so sending too many is harmless, but under
    a backlog it would only lengthen the queue: bench/faults.py measured recovery after the
    last fault at 79-141 s while the relay resent what was still queued."""
    try:
        waiting_since = await dispatcher.oldest_waiting()
    except Exception as exc:  # the broker cannot tell: the age bound alone decides
        log.debug("relay: cannot see the broker's queue (%s)", exc)
        waiting_since = None
    async with transaction(sessions) as session:
        ids = await events_to_redeliver(
            session, older_than=older_than, limit=batch_size, waiting_since=waiting_since
        )
        if ids:
            admitted = await dispatcher.send_events(ids)
            await mark_dispatched(session, ids, admitted=admitted)
    if ids:
        RELAY_EVENTS.labels("redelivered").inc(len(ids))
        log.warning(
            "relay: resent %d events dispatched over %gs ago and not admitted (lost by the "
            "broker or by a worker that died)",
            len(ids),
            older_than,
        )
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
    wake: RelayWake | None = None,
) -> None:
    """Relay until `stop` is set: a pass when `wake` is hinted (at most one every
    PASS_SPACING_SECONDS), else every ERP_RELAY_POLL_SECONDS (passes start at that pace,
    however long each took; at once again while batches come back full), sweep stale runs
    now and then, and wait out broker or database outages without losing anything."""
    wake = wake or RelayWake()  # nothing hints it: it polls
    stopping = asyncio.create_task(_wake_when(stop, wake))
    try:
        await _relay_until(sessions, dispatcher, automation, stop, wake)
    finally:
        stopping.cancel()
        await asyncio.gather(stopping, return_exceptions=True)


async def _relay_until(
    sessions: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    automation: AutomationSettings,
    stop: asyncio.Event,
    wake: RelayWake,
) -> None:
    sweep_every = max(
        automation.relay_poll_seconds,
        min(
            SWEEP_SECONDS,
            automation.stale_run_seconds / 2,
            automation.relay_redeliver_seconds / 2,
        ),
    )
    last_sweep = 0.0
    failing = False
    heartbeat = Heartbeat(sessions, kind="relay", name=worker_name())
    sent_since_beat = 0
    while not stop.is_set():
        sent = 0
        started = time.monotonic()
        # Cleared before the pass reads the outbox: a commit hinted from now on may have
        # missed this pass, and gets the next.
        wake.clear()
        try:
            sent = await relay_once(sessions, dispatcher, batch_size=automation.relay_batch_size)
            sent_since_beat += sent
            if time.monotonic() - last_sweep >= sweep_every:
                last_sweep = time.monotonic()
                await heartbeat({"sentSinceLastBeat": sent_since_beat})
                sent_since_beat = 0
                await redeliver_unadmitted_events(
                    sessions,
                    dispatcher,
                    older_than=automation.relay_redeliver_seconds,
                    batch_size=automation.relay_batch_size,
                )
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
            # An event waits for a hint or the next poll: counting the pass's own time in the
            # interval keeps that wait within ERP_RELAY_POLL_SECONDS.
            await wake.wait(automation.relay_poll_seconds - (time.monotonic() - started))
            await _wait(stop, PASS_SPACING_SECONDS - (time.monotonic() - started))


async def _wake_when(stop: asyncio.Event, wake: RelayWake) -> None:
    await stop.wait()
    wake.hint()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        await asyncio.sleep(0)  # still let the rest of the event loop run
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
