"""Request and response bodies of in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.structs import Body, Out, mapper


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


notification_out = mapper(NotificationOut)
