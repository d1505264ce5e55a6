"""Dispatchers: Celery messages in scaled mode, an in-process queue in embedded mode."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import redis.asyncio as aioredis
from celery import Celery

from scheduler.messages import HANDLE_EVENTS, HANDLE_RUN

log = logging.getLogger("erp.dispatch")
SENT_AT = "erp_sent_at"
"""Message header: when the relay sent it (epoch seconds), read back by `oldest_waiting`."""
EVENTS_PER_MESSAGE = 100
"""Events a Celery message carries at most. A message costs the relay, the broker and the
worker about as much CPU as handling ten events, so a relay pass goes out in as few
messages as this allows (the engine still runs a message's triggers concurrently)."""


class CeleryDispatcher:
    """Publishes tasks to the broker; raises (kombu's OperationalError) when it is down."""

    def __init__(self, app: Celery, *, events_per_message: int = EVENTS_PER_MESSAGE) -> None:
        self.app = app
        self.events_per_message = events_per_message
        # A countdown message waits unacknowledged in a worker; one held past the broker's
        # visibility timeout would be handed out again while waiting. Countdowns stop at
        # half of it: a run woken before it is due goes back to waiting (the engine sends
        # it again for the rest of its delay).
        visibility = (app.conf.broker_transport_options or {}).get("visibility_timeout")
        self.longest_countdown = float(visibility) / 2 if visibility else None
        self._broker: aioredis.Redis | None = None

    async def send_events(self, event_ids: Sequence[str]) -> bool:
        ids = list(event_ids)
        headers = {SENT_AT: time.time()}
        for start in range(0, len(ids), self.events_per_message):
            self.app.send_task(
                HANDLE_EVENTS, args=[ids[start : start + self.events_per_message]], headers=headers
            )
        return False  # a worker admits them later

    async def oldest_waiting(self) -> datetime | None:
        """The Redis transport pushes messages on the left of the queue's list and workers
        take them from the right: the rightmost is the oldest still waiting. A message
        without our header (or an unreadable one) tells nothing: None."""
        if self._broker is None:
            self._broker = aioredis.Redis.from_url(
                str(self.app.conf.broker_url), socket_timeout=5, socket_connect_timeout=2
            )
        raw = await self._broker.lindex(str(self.app.conf.task_default_queue), -1)
        if raw is None:
            return None
        try:
            sent = json.loads(raw)["headers"][SENT_AT]
            return datetime.fromtimestamp(float(sent), UTC)
        except (ValueError, KeyError, TypeError):
            return None

    async def close(self) -> None:
        if self._broker is not None:
            await self._broker.aclose()
            self._broker = None

    async def send_run(self, run_id: str, delay_seconds: float = 0.0) -> None:
        countdown = max(0.0, delay_seconds)
        if self.longest_countdown is not None:
            countdown = min(countdown, self.longest_countdown)
        self.app.send_task(
            HANDLE_RUN, args=[run_id], countdown=countdown or None, headers={SENT_AT: time.time()}
        )


Handler = Callable[[str, object], Awaitable[object]]
Admitter = Callable[[list[str]], Awaitable[object]]


class InProcessDispatcher:
    """Embedded mode: work goes to a queue drained by a few tasks of this event loop.

    With `admit`, events are admitted (their trigger runs committed) before send_events
    returns, so before the relay marks them dispatched: the queue lives in memory, and an
    event must not be lost with it when the process dies. The queue then carries
    ("admitted", what `admit` returned). `admit` must not mark the events admitted itself:
    the relay holds their outbox rows locked (FOR UPDATE on PostgreSQL) and marks them
    admitted with dispatched, in its own transaction; an update from another transaction
    would wait on that lock forever."""

    def __init__(
        self, handle: Handler, *, admit: Admitter | None = None, consumers: int = 2
    ) -> None:
        self.handle = handle
        self.admit = admit
        self.queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        self.consumers = consumers
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._consume()) for _ in range(self.consumers)]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def send_events(self, event_ids: Sequence[str]) -> bool:
        if self.admit is None:
            self.queue.put_nowait(("events", list(event_ids)))
            return False
        self.queue.put_nowait(("admitted", await self.admit(list(event_ids))))
        return True

    async def oldest_waiting(self) -> datetime | None:
        return None  # what the queue holds is already admitted (or a run, swept on its own)

    async def send_run(self, run_id: str, delay_seconds: float = 0.0) -> None:
        if delay_seconds <= 0:
            self.queue.put_nowait(("run", run_id))
            return
        loop = asyncio.get_running_loop()
        self._timers.add(loop.call_later(delay_seconds, self._due, run_id))

    def _due(self, run_id: str) -> None:
        self.queue.put_nowait(("run", run_id))

    async def idle(self) -> None:
        """Wait until everything queued so far has been handled (tests use it)."""
        await self.queue.join()

    async def _consume(self) -> None:
        while True:
            kind, payload = await self.queue.get()
            try:
                await self.handle(kind, payload)
            except Exception:  # a failing batch must not stop the embedded worker
                log.exception("embedded worker: %s %s failed", kind, payload)
            finally:
                self.queue.task_done()
