"""The live hub of one process: it tails committed outbox events, the flow history that no
event announces (an instance rejected for good or cancelled, a task reassigned, one approval
of several, a step overdue) and notifications, and hands each to the subscribers it
concerns.

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
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import EventType, FlowInstance, utcnow
from core.models.automation import Notification
from core.models.events import OutboxEvent
from core.models.flow_runs import ActionKind, FlowAction

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

SILENT_ACTIONS = frozenset(
    {
        ActionKind.APPROVED,
        ActionKind.REASSIGNED,
        ActionKind.FAILED,
        ActionKind.CANCELLED,
        ActionKind.OVERDUE,
    }
)
"""History entries that no outbox event accompanies (the others come with FLOW_STARTED,
TASK_STARTED, TASK_COMPLETED or FLOW_COMPLETED): an approval that did not close its level,
a task reassigned, an instance rejected for good (FAILED) or cancelled, a step overdue."""

POLL_SECONDS = 1.0
"""How often the hub looks for new rows while anyone listens: a task reaching an inbox
shows within about a second, at two indexed reads a second per API process."""

LAG_SECONDS = 3.0
"""How far back each poll looks before its last row: a row's time is taken when it is
staged, and its transaction may commit a moment later, after a poll that ran in between.
Rows seen already are remembered for this long and not sent twice."""

REPLAY_SECONDS = 10.0
"""A new subscriber first hears of what was handed out in the last this many seconds: a
page that loaded its data just before its stream connected misses nothing in between, and
reloads only what it loaded earlier than that."""

HISTORY_LOOKBACK_ROWS = 10_000
"""A starting hub reads the history rows past the newest id minus this many (and of the
replay window): the primary key bounds the read, the history having no index by time."""

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


@dataclass(frozen=True, slots=True)
class _Handed:
    """An event handed out, kept for the replay window."""

    at: float
    company_id: str
    user_id: str | None
    event: LiveEvent


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
        replay_seconds: float = REPLAY_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.lag = timedelta(seconds=lag_seconds)
        self.replay = replay_seconds
        self.subscribers: set[Subscription] = set()
        self._seen: dict[str, datetime] = {}
        self._since: datetime | None = None
        self._recent: deque[_Handed] = deque()
        # (poll time, newest history id read by then): the floor of later reads.
        self._history_marks: deque[tuple[datetime, int]] = deque()
        self._history_floor: int | None = None
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def subscribe(self, company_id: str, user_id: str) -> Iterator[Subscription]:
        subscription = Subscription(company_id, user_id)
        self._forget_handed_before(time.monotonic() - self.replay)
        for handed in self._recent:
            if handed.company_id == company_id and handed.user_id in (None, user_id):
                subscription.put(handed.event)
        self.subscribers.add(subscription)
        if self._task is None or self._task.done():
            # From the replay window on: what committed just before this first subscriber
            # came is theirs too.
            self._since = utcnow() - timedelta(seconds=self.replay) + self.lag
            self._history_floor = None
            self._history_marks.clear()
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
            history = await self._history_since(session, since, now)
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
        for entry in history:
            if self._first_sight(f"action:{entry.id}", entry.created_at):
                event = LiveEvent(
                    "inbox",
                    {"event": entry.kind, "flowId": entry.flow_id, "instanceId": entry.instance_id},
                )
                sent += self._hand_out(entry.company_id, None, event)
        for row in notes:
            if self._first_sight(row.id, row.created_at):
                event = LiveEvent("notification", {"id": row.id, "title": row.title})
                sent += self._hand_out(row.company_id, row.user_id, event)
        self._since = now
        self._forget_before(since)
        return sent

    async def _history_since(
        self, session: AsyncSession, since: datetime, now: datetime
    ) -> list[Any]:
        """The silent history entries staged after `since`, read past an id floor: the
        newest id read by a poll at least the look-back ago (a transaction that took its
        ids before a newer one committed is still read when it commits within it)."""
        if self._history_floor is None:
            newest = await session.scalar(sa.select(sa.func.max(FlowAction.id)))
            self._history_floor = max(0, (newest or 0) - HISTORY_LOOKBACK_ROWS)
        while len(self._history_marks) > 1 and self._history_marks[1][0] <= since:
            self._history_marks.popleft()
        floor = self._history_floor
        if self._history_marks and self._history_marks[0][0] <= since:
            floor = max(floor, self._history_marks[0][1])
        rows = (
            await session.execute(
                sa.select(
                    FlowAction.id,
                    FlowAction.company_id,
                    FlowAction.kind,
                    FlowAction.instance_id,
                    FlowAction.created_at,
                    FlowInstance.flow_id,
                )
                .join(FlowInstance, FlowInstance.id == FlowAction.instance_id)
                .where(
                    FlowAction.id > floor,
                    FlowAction.created_at > since,
                    FlowAction.kind.in_([str(kind) for kind in SILENT_ACTIONS]),
                )
            )
        ).all()
        newest_read = max([floor, *(row.id for row in rows)])
        if self._history_marks:
            newest_read = max(newest_read, self._history_marks[-1][1])
        self._history_marks.append((now, newest_read))
        return list(rows)

    def _first_sight(self, row_id: str, created_at: datetime) -> bool:
        if row_id in self._seen:
            return False
        self._seen[row_id] = created_at
        return True

    def _forget_before(self, moment: datetime) -> None:
        for row_id, created_at in list(self._seen.items()):
            if _aware(created_at) <= moment:
                del self._seen[row_id]

    def _forget_handed_before(self, moment: float) -> None:
        while self._recent and self._recent[0].at < moment:
            self._recent.popleft()

    def _hand_out(self, company_id: str, user_id: str | None, event: LiveEvent) -> int:
        now = time.monotonic()
        self._forget_handed_before(now - self.replay)
        self._recent.append(_Handed(now, company_id, user_id, event))
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
