"""Where a workflow's sync has got to: its cursor, held under a lease so that overlapping
syncs do not both run, and the items already handed to its action (claimed before, finished
with the cursor moved past them in one transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Integration, IntegrationCursor, IntegrationItem, IntegrationWorkflow, utcnow
from core.tenancy import COMPANY_KEY

Sessions = async_sessionmaker[AsyncSession]
LEASE = timedelta(minutes=10)
"""How long a sync may hold its workflow before another may take over (a crashed sync)."""


async def take_lease(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str
) -> dict[str, Any] | None:
    """Take the workflow's sync lease; its cursor, or None when another sync holds it."""
    now = utcnow()
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = workflow.company_id
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
            .values(lease_holder=holder, lease_until=now + LEASE)
            .returning(IntegrationCursor.cursor)
        )
        row = taken.first()
        return None if row is None else dict(row[0] or {})


async def advance_cursor(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str, cursor: Mapping[str, Any]
) -> None:
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = workflow.company_id
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
        session.info[COMPANY_KEY] = workflow.company_id
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


async def claim_item(sessions: Sessions, workflow: IntegrationWorkflow, key: str) -> bool:
    """Reserve an item for this run; False when it was handed over (or is being) already."""
    try:
        async with sessions() as session, session.begin():
            session.info[COMPANY_KEY] = workflow.company_id
            session.add(
                IntegrationItem(
                    workflow_id=workflow.id, item_key=key, company_id=workflow.company_id, output={}
                )
            )
    except IntegrityError:
        return False
    return True


async def release_item(sessions: Sessions, workflow: IntegrationWorkflow, key: str) -> None:
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = workflow.company_id
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
        session.info[COMPANY_KEY] = workflow.company_id
        await session.execute(
            sa.update(IntegrationItem)
            .where(IntegrationItem.workflow_id == workflow.id, IntegrationItem.item_key == key)
            .values(output=dict(output))
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
