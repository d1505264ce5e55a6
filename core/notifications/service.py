"""Write notifications for users of a company, list a user's, and mark them read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Role, User, UserRole, user_roles, utcnow
from core.models.automation import Notification


async def recipients(
    session: AsyncSession,
    *,
    company_id: str,
    user_ids: Sequence[str] = (),
    emails: Sequence[str] = (),
    roles: Sequence[str] = (),
) -> list[str]:
    """Ids of the active users of the company named by id, email, or role: a company role's
    name (e.g. "Manager") or a platform role (ADMIN, MANAGER, EMPLOYEE, DEVELOPER)."""
    wanted: list[sa.ColumnElement[bool]] = []
    if user_ids:
        wanted.append(User.id.in_(list(user_ids)))
    if emails:
        wanted.append(sa.func.lower(User.email).in_([e.lower() for e in emails]))
    if roles:
        platform = [r.upper() for r in roles if r.upper() in UserRole.__members__]
        if platform:
            wanted.append(User.role.in_([UserRole(r) for r in platform]))
        holders = (
            sa.select(user_roles.c.user_id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(Role.company_id == company_id, Role.name.in_(list(roles)))
        )
        wanted.append(User.id.in_(holders))
    if not wanted:
        return []
    found = await session.scalars(
        sa.select(User.id)
        .where(User.company_id == company_id, User.is_active.is_(True), sa.or_(*wanted))
        .order_by(User.email)
    )
    return list(found.all())


async def notify(
    session: AsyncSession,
    *,
    company_id: str,
    user_ids: Sequence[str],
    title: str,
    body: str = "",
    link: str | None = None,
    data: dict[str, Any] | None = None,
    trigger_id: str | None = None,
) -> list[Notification]:
    """Add one notification per user (in the caller's transaction)."""
    notes = [
        Notification(
            company_id=company_id,
            user_id=user_id,
            title=title,
            body=body,
            link=link,
            data=data or {},
            trigger_id=trigger_id,
        )
        for user_id in dict.fromkeys(user_ids)
    ]
    session.add_all(notes)
    await session.flush()
    return notes


async def list_notifications(
    session: AsyncSession,
    *,
    company_id: str,
    user_id: str,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notification], int]:
    """A user's notifications, newest first, and how many there are in all."""
    where = [Notification.company_id == company_id, Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = await session.scalar(sa.select(sa.func.count()).select_from(Notification).where(*where))
    rows = await session.scalars(
        sa.select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total or 0)


async def unread_count(session: AsyncSession, *, company_id: str, user_id: str) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(
                Notification.company_id == company_id,
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


async def mark_read(
    session: AsyncSession,
    *,
    company_id: str,
    user_id: str,
    notification_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given); returns
    how many changed. Another user's ids are ignored."""
    where = [
        Notification.company_id == company_id,
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
    ]
    if notification_ids is not None:
        where.append(Notification.id.in_(list(notification_ids)))
    result = await session.execute(
        sa.update(Notification)
        .where(*where)
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
