"""Where a workflow's sync has got to: its cursor, held under a lease so that overlapping
syncs do not both run, and the items already handed to its action (claimed before, finished
with the cursor moved past them in one transaction).

The lease (ERP_INTEGRATION_LEASE_SECONDS) is renewed while its run lives, so it bounds how
long the work of a scheduler that died waits, not how long an action may take: once it has
run out, the next run takes the cursor, and takes over an item claimed but never finished
(its action runs again, with the same idempotency key)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Integration, IntegrationCursor, IntegrationItem, IntegrationWorkflow, utcnow
from core.tenancy import scope

Sessions = async_sessionmaker[AsyncSession]


class Claim(enum.StrEnum):
    """What claiming an item found."""

    CLAIMED = "claimed"
    """This run hands the item over (a new item, or one whose run died: taken over)."""
    FINISHED = "finished"
    """Handed over already."""
    BUSY = "busy"
    """Another run is handing it over now."""


async def take_lease(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str, *, lease_seconds: float
) -> dict[str, Any] | None:
    """Take the workflow's sync lease; its cursor, or None when another sync holds it."""
    now = utcnow()
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        if await session.get(IntegrationCursor, workflow.id) is None:
            try:
                async with session.begin_nested():
                    session.add(
                        IntegrationCursor(
                            workflow_id=workflow.id, company_id=workflow.company_id, cursor={}
                        )
                    )
            except IntegrityError:
                pass  # another sync created it at the same moment
        taken = await session.execute(
            sa.update(IntegrationCursor)
            .where(
                IntegrationCursor.workflow_id == workflow.id,
                sa.or_(
                    IntegrationCursor.lease_until.is_(None), IntegrationCursor.lease_until < now
                ),
            )
            .values(lease_holder=holder, lease_until=now + timedelta(seconds=lease_seconds))
            .returning(IntegrationCursor.cursor)
        )
        row = taken.first()
        return None if row is None else dict(row[0] or {})


async def renew_lease(
    sessions: Sessions,
    workflow: IntegrationWorkflow,
    holder: str,
    *,
    lease_seconds: float,
    item_key: str | None = None,
) -> None:
    """Extend the holder's lease, and the claim of the item it is handing over."""
    now = utcnow()
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        if holder:
            await session.execute(
                sa.update(IntegrationCursor)
                .where(
                    IntegrationCursor.workflow_id == workflow.id,
                    IntegrationCursor.lease_holder == holder,
                )
                .values(lease_until=now + timedelta(seconds=lease_seconds))
            )
        if item_key is not None:
            await session.execute(
                sa.update(IntegrationItem)
                .where(
                    IntegrationItem.workflow_id == workflow.id,
                    IntegrationItem.item_key == item_key,
                    IntegrationItem.finished_at.is_(None),
                )
                .values(imported_at=now)
            )


async def advance_cursor(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str, cursor: Mapping[str, Any]
) -> None:
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        await session.execute(
            sa.update(IntegrationCursor)
            .where(
                IntegrationCursor.workflow_id == workflow.id,
                IntegrationCursor.lease_holder == holder,
            )
            .values(cursor=dict(cursor))
        )


async def release_lease(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str, *, synced: bool
) -> None:
    now = utcnow()
    extra: dict[str, Any] = {"last_sync_at": now} if synced else {}
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        await session.execute(
            sa.update(IntegrationCursor)
            .where(
                IntegrationCursor.workflow_id == workflow.id,
                IntegrationCursor.lease_holder == holder,
            )
            .values(lease_holder=None, lease_until=None, **extra)
        )
        if synced:
            await session.execute(
                sa.update(Integration)
                .where(Integration.id == workflow.integration_id)
                .values(last_sync_at=now)
            )


async def claim_item(
    sessions: Sessions, workflow: IntegrationWorkflow, key: str, *, lease_seconds: float
) -> Claim:
    """Reserve an item for this run. An item claimed by a run that has not renewed its claim
    for `lease_seconds` (it died) is taken over."""
    try:
        async with sessions() as session, session.begin():
            scope(session, workflow.company_id)
            session.add(
                IntegrationItem(
                    workflow_id=workflow.id, item_key=key, company_id=workflow.company_id, output={}
                )
            )
        return Claim.CLAIMED
    except IntegrityError:
        pass
    now = utcnow()
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        taken = await session.scalar(
            sa.update(IntegrationItem)
            .where(
                IntegrationItem.workflow_id == workflow.id,
                IntegrationItem.item_key == key,
                IntegrationItem.finished_at.is_(None),
                IntegrationItem.imported_at < now - timedelta(seconds=lease_seconds),
            )
            .values(imported_at=now)
            .returning(IntegrationItem.item_key)
        )
        if taken is not None:
            return Claim.CLAIMED
        finished = await session.scalar(
            sa.select(IntegrationItem.finished_at).where(
                IntegrationItem.workflow_id == workflow.id, IntegrationItem.item_key == key
            )
        )
    return Claim.FINISHED if finished is not None else Claim.BUSY


async def abandoned_items(
    sessions: Sessions, workflow: IntegrationWorkflow, prefix: str, *, lease_seconds: float
) -> list[str]:
    """Keys starting with `prefix` of the workflow's items claimed by a run that died (not
    finished, not renewed for `lease_seconds`), oldest first."""
    now = utcnow()
    async with sessions() as session:
        scope(session, workflow.company_id)
        keys = await session.scalars(
            sa.select(IntegrationItem.item_key)
            .where(
                IntegrationItem.workflow_id == workflow.id,
                IntegrationItem.item_key.startswith(prefix, autoescape=True),
                IntegrationItem.finished_at.is_(None),
                IntegrationItem.imported_at < now - timedelta(seconds=lease_seconds),
            )
            .order_by(IntegrationItem.imported_at)
        )
        return list(keys.all())


async def release_item(sessions: Sessions, workflow: IntegrationWorkflow, key: str) -> None:
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        await session.execute(
            sa.delete(IntegrationItem).where(
                IntegrationItem.workflow_id == workflow.id, IntegrationItem.item_key == key
            )
        )


async def finish_item(
    sessions: Sessions,
    workflow: IntegrationWorkflow,
    key: str,
    output: Mapping[str, Any],
    cursor: tuple[str, Mapping[str, Any]] | None,
) -> None:
    """The item's output and the cursor past it, in one transaction."""
    async with sessions() as session, session.begin():
        scope(session, workflow.company_id)
        await session.execute(
            sa.update(IntegrationItem)
            .where(IntegrationItem.workflow_id == workflow.id, IntegrationItem.item_key == key)
            .values(output=dict(output), finished_at=utcnow())
        )
        if cursor is not None:
            holder, position = cursor
            await session.execute(
                sa.update(IntegrationCursor)
                .where(
                    IntegrationCursor.workflow_id == workflow.id,
                    IntegrationCursor.lease_holder == holder,
                )
                .values(cursor=dict(position))
            )
