"""Routes of the signed-in user's in-app notifications."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get, post
from litestar.params import FromQuery, JSONBody

from api.deps import DB, Actor
from api.notifications.schemas import (
    MarkedOut,
    MarkRead,
    NotificationOut,
    UnreadOut,
    notification_out,
)
from api.pagination import Limit, Offset, PageOut, first_published
from core import notifications
from core.tenancy import company_of

TAGS = ["notifications"]
NotificationPage = Annotated[PageOut[NotificationOut], first_published(NotificationOut)]


@get("/notifications", summary="My notifications, newest first")
async def list_notifications(
    db: DB,
    principal: Actor,
    unread: FromQuery[bool] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationPage:
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


@get("/notifications/unread-count", summary="How many of my notifications are unread")
async def unread_count(db: DB, principal: Actor) -> UnreadOut:
    return UnreadOut(
        unread=await notifications.unread_count(
            db, company_id=company_of(principal), user_id=principal.user_id
        )
    )


@post(
    "/notifications/read",
    status_code=200,
    summary="Mark my notifications read (the given ids, or all)",
)
async def mark_read(db: DB, principal: Actor, data: JSONBody[MarkRead]) -> MarkedOut:
    updated = await notifications.mark_read(
        db, company_id=company_of(principal), user_id=principal.user_id, notification_ids=data.ids
    )
    return MarkedOut(updated=updated)


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        list_notifications,
        unread_count,
        mark_read,
    ],
)
