"""Request and response bodies of in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.structs import Body, Out
from core.models.automation import Notification


class NotificationOut(Out):
    id: str
    title: str
    body: str
    link: str | None
    data: dict[str, Any]
    trigger_id: str | None
    created_at: datetime
    read_at: datetime | None


class MarkRead(Body):
    ids: list[str] | None = None


class MarkedOut(Out):
    updated: int


class UnreadOut(Out):
    unread: int


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        title=n.title,
        body=n.body,
        link=n.link,
        data=n.data,
        trigger_id=n.trigger_id,
        created_at=n.created_at,
        read_at=n.read_at,
    )
