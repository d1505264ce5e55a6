"""The live hub of one process: it tails committed outbox events and notifications and
hands each to the subscribers it concerns.

Why tail committed rows rather than publish from the code that makes the change: changes
are committed by API processes, Celery workers and scheduler daemons alike, in every mode
(embedded, PostgreSQL, scaled). A row is visible to the hub only once committed, so a
subscriber never hears of work that was rolled back, and no process needs to know who is
listening. The cost is one pair of indexed reads per poll per process, and only while
someone listens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import EventType, utcnow
from core.models.automation import Notification
from core.models.events import OutboxEvent

log = logging.getLogger("erp.live")

FLOW_EVENTS = frozenset(
    {
        EventType.FLOW_STARTED,
        EventType.FLOW_COMPLETED,
        EventType.TASK_STARTED,
        EventType.TASK_COMPLETED,
        EventType.TASK_UPDATED,
    }
)
"""Outbox events after which a company's inboxes and instance pages may read differently."""

POLL_SECONDS = 1.0
"""How often the hub looks for new rows while anyone listens: a task reaching an inbox
shows within about a second, at two indexed reads a second per API process."""

LAG_SECONDS = 3.0
"""How far back each poll looks before its last row: a row's time is taken when it is
staged, and its transaction may commit a moment later, after a poll that ran in between.
Rows seen already are remembered for this long and not sent twice."""

QUEUE_SIZE = 100
"""Events kept for a subscriber that does not read; beyond it the oldest are dropped (a
client that far behind reloads what it shows anyway)."""


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One message for a subscriber: `inbox` (flow work of the company changed) or
    `notification` (a notification for the user arrived)."""

    name: str
    data: dict[str, Any]


@dataclass(eq=False)
class Subscription:
    """One listener: a user acting in a company. Read events with `next()`."""

    company_id: str
    user_id: str
    queue: asyncio.Queue[LiveEvent] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def put(self, event: LiveEvent) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def next(self, within: float) -> LiveEvent | None:
        """The next event, or None when none came within `within` seconds."""
        try:
            return await asyncio.wait_for(self.queue.get(), within)
        except TimeoutError:
            return None


class LiveHub:
    """Subscribers of this process and the poller that feeds them (running only while there
    are subscribers). Reads are platform-level: each row goes only to the subscribers of its
    own company (and, for a notification, to its user)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll_seconds: float = POLL_SECONDS,
        lag_seconds: float = LAG_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.lag = timedelta(seconds=lag_seconds)
        self.subscribers: set[Subscription] = set()
        self._seen: dict[str, datetime] = {}
        self._since: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def subscribe(self, company_id: str, user_id: str) -> Iterator[Subscription]:
        subscription = Subscription(company_id, user_id)
        self.subscribers.add(subscription)
        if self._task is None or self._task.done():
            self._since = utcnow()
            self._task = asyncio.create_task(self._run(), name="erp-live-hub")
        try:
            yield subscription
        finally:
            self.subscribers.discard(subscription)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while self.subscribers:
            # Sleep first: a subscriber has just loaded what it shows.
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.poll()
            except Exception:  # a failed read (database restarting) is retried next poll
                log.exception("live updates: reading new rows failed")

    async def poll(self) -> int:
        """Read the rows committed since the last poll and hand them out; returns how many
        events were handed to subscribers."""
        now = utcnow()
        since = (self._since or now) - self.lag
        async with self.sessions() as session:
            events = (
                await session.execute(
                    sa.select(
                        OutboxEvent.id,
                        OutboxEvent.company_id,
                        OutboxEvent.event_type,
                        OutboxEvent.flow_id,
                        OutboxEvent.payload,
                        OutboxEvent.created_at,
                    ).where(
                        OutboxEvent.created_at > since,
                        OutboxEvent.event_type.in_(list(FLOW_EVENTS)),
                    )
                )
            ).all()
            notes = (
                await session.execute(
                    sa.select(
                        Notification.id,
                        Notification.company_id,
                        Notification.user_id,
                        Notification.title,
                        Notification.created_at,
                    ).where(Notification.created_at > since)
                )
            ).all()
        sent = 0
        for row in events:
            if self._first_sight(row.id, row.created_at):
                payload = row.payload or {}
                event = LiveEvent(
                    "inbox",
                    {
                        "event": str(row.event_type),
                        "flowId": row.flow_id,
                        "instanceId": payload.get("instanceId"),
                    },
                )
                sent += self._hand_out(row.company_id, None, event)
        for row in notes:
            if self._first_sight(row.id, row.created_at):
                event = LiveEvent("notification", {"id": row.id, "title": row.title})
                sent += self._hand_out(row.company_id, row.user_id, event)
        self._since = now
        self._forget_before(since)
        return sent

    def _first_sight(self, row_id: str, created_at: datetime) -> bool:
        if row_id in self._seen:
            return False
        self._seen[row_id] = created_at
        return True

    def _forget_before(self, moment: datetime) -> None:
        for row_id, created_at in list(self._seen.items()):
            if _aware(created_at) <= moment:
                del self._seen[row_id]

    def _hand_out(self, company_id: str, user_id: str | None, event: LiveEvent) -> int:
        count = 0
        for subscription in tuple(self.subscribers):
            if subscription.company_id != company_id:
                continue
            if user_id is not None and subscription.user_id != user_id:
                continue
            subscription.put(event)
            count += 1
        return count


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC like every stored time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
