"""Wake-up hints for the outbox relay: once a transaction that wrote outbox events commits,
the process says so to whoever listens (its in-process relay, or a channel the relays
subscribe to), so the events go out at once instead of at the relay's next poll.

Hints are best effort. One that is lost, late or fails only means the relay's poll
(ERP_RELAY_POLL_SECONDS) delivers the events; sending one never fails or slows the commit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("erp.relay.hints")

EVENTS_WRITTEN_KEY = "outbox_events_written"
"""`session.info` key set when the session's transaction staged outbox events."""

WARN_EVERY_SECONDS = 60.0
"""A sender that keeps failing (its broker down) warns at most this often."""


class _RateLimitedWarning:
    def __init__(self, what: str) -> None:
        self.what = what
        self.last = -WARN_EVERY_SECONDS
        self.quiet = 0

    def warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self.last < WARN_EVERY_SECONDS:
            self.quiet += 1
            return
        log.warning(
            "%s (%s: %s); the relay's poll delivers the events (%d more failures not logged "
            "since the last warning)",
            self.what,
            type(exc).__name__,
            exc,
            self.quiet,
        )
        self.last, self.quiet = now, 0


class HintSender(Protocol):
    """Something that passes a hint on (sets an event, publishes a message)."""

    def hint(self) -> None:
        """Called right after a commit that wrote outbox events, on the committing thread:
        returns at once (any I/O goes to a task) and should not raise."""


class CommitHints:
    """This process's hint senders; every commit that wrote outbox events hints them all."""

    def __init__(self) -> None:
        self.senders: list[HintSender] = []
        self._warnings = _RateLimitedWarning("a relay hint sender failed")

    def connect(self, sender: HintSender) -> None:
        if sender not in self.senders:
            self.senders.append(sender)

    def disconnect(self, sender: HintSender) -> None:
        if sender in self.senders:
            self.senders.remove(sender)

    def events_committed(self) -> None:
        """New outbox events are committed: hint every sender. Never raises."""
        for sender in tuple(self.senders):
            try:
                sender.hint()
            except Exception as exc:  # a hint must never fail the commit it follows
                self._warnings.warn(exc)


commit_hints = CommitHints()
"""The process's hint point. Outbox writes reach it by themselves (record_event through the
session events below; the webhook receiver's one-statement insert calls it directly)."""


def note_events_written(session: AsyncSession | Session) -> None:
    """Mark the session's transaction as one that wrote outbox events: its commit hints."""
    session.info[EVENTS_WRITTEN_KEY] = True


class CoalescedHint:
    """A sender that runs `send` (a coroutine function) on the running event loop, one call
    at a time: hints arriving while a send is in flight are folded into one more send after
    it, however many there were. A failing send is counted and warned about (at most once a
    minute), never raised. Without a running event loop a hint is dropped (the poll
    delivers).

    `hints` counts the hints received, `sent` the sends that succeeded, `failed` the others."""

    def __init__(self, send: Callable[[], Awaitable[None]], *, name: str) -> None:
        self.send = send
        self.name = name
        self.hints = 0
        self.sent = 0
        self.failed = 0
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._warnings = _RateLimitedWarning(f"relay hint ({name}) not sent")

    def hint(self) -> None:
        self.hints += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = self._task
        if task is not None and not task.done() and task.get_loop() is loop:
            self._again = True
            return
        self._task = loop.create_task(self._send_while_hinted())

    async def settle(self, within: float) -> None:
        """Wait (at most `within` seconds) for the send in flight, if any: a process whose
        event loop only runs during its work (a Celery task) calls it before returning."""
        task = self._task
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            await asyncio.wait({task}, timeout=within)

    async def close(self) -> None:
        """Cancel the send in flight, if any."""
        task, self._task = self._task, None
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _send_while_hinted(self) -> None:
        while True:
            self._again = False
            try:
                await self.send()
                self.sent += 1
            except Exception as exc:
                self.failed += 1
                self._warnings.warn(exc)
            if not self._again:
                return


def _hint_after_commit(session: Session) -> None:
    # after_commit also follows a savepoint's release: only the outermost commit counts.
    if not session.in_nested_transaction() and session.info.pop(EVENTS_WRITTEN_KEY, False):
        commit_hints.events_committed()


def _forget_after_transaction(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (rolled back, closed): no hint.
    if transaction.parent is None:
        session.info.pop(EVENTS_WRITTEN_KEY, None)


event.listen(Session, "after_commit", _hint_after_commit)
event.listen(Session, "after_transaction_end", _forget_after_transaction)
