"""Routes of the signed-in user's in-app notifications."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromQuery, JSONBody

from api.deps import DB, Actor
from api.pagination import Limit, Offset, PageOut
from api.triggers.schemas import MarkedOut, MarkRead, NotificationOut, UnreadOut, notification_out
from core import notifications
from core.tenancy import company_of

TAGS = ["notifications"]


@get("/notifications", tags=TAGS, summary="My notifications, newest first")
async def list_notifications(
    db: DB,
    principal: Actor,
    unread: FromQuery[bool] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[NotificationOut]:
    items, total = await notifications.list_notifications(
        db,
        company_id=company_of(principal),
        user_id=principal.user_id,
        unread_only=unread,
        limit=limit,
        offset=offset,
    )
    return PageOut(
        items=[notification_out(n) for n in items], total=total, limit=limit, offset=offset
    )


@get("/notifications/unread-count", tags=TAGS, summary="How many of my notifications are unread")
async def unread_count(db: DB, principal: Actor) -> UnreadOut:
    return UnreadOut(
        unread=await notifications.unread_count(
            db, company_id=company_of(principal), user_id=principal.user_id
        )
    )


@post(
    "/notifications/read",
    tags=TAGS,
    status_code=200,
    summary="Mark my notifications read (the given ids, or all)",
)
async def mark_read(db: DB, principal: Actor, data: JSONBody[MarkRead]) -> MarkedOut:
    updated = await notifications.mark_read(
        db, company_id=company_of(principal), user_id=principal.user_id, notification_ids=data.ids
    )
    return MarkedOut(updated=updated)


def routers() -> list[Any]:
    return [list_notifications, unread_count, mark_read]
