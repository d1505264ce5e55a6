"""A client company's installs of platform entities: the company's own header rows (the
flow or task, the tasks of the flow's levels, the entity's triggers) that stand for the
platform's rows, so that its instances, submissions and trigger executions reference only
its own ids. The content always comes from the version the company sees (resolution);
core.versions.installing creates an install."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    EntityInstall,
    EventType,
    Task,
    TaskStatus,
    Trigger,
    User,
    UserRole,
    Version,
    VersionStatus,
)
from core.releases.resolution import versions_of

_HEADER_NAMESPACE = uuid.UUID("6f1c7e0a-54c3-4f0e-9a53-3f4de1a0c0b1")


def derived_id(company_id: str, source_id: str) -> str:
    """A stable id in the company for a part of the platform entity that has no row of its
    own there (a level, a branch): the platform's id never appears in the company."""
    return str(uuid.uuid5(_HEADER_NAMESPACE, f"{company_id}:{source_id}"))


async def local_ids(
    session: AsyncSession, company_id: str, entity_type: str, source_ids: list[str]
) -> dict[str, str]:
    """{platform id: the company's id} for the company's installed rows of one type."""
    if not source_ids:
        return {}
    rows = await session.execute(
        sa.select(EntityInstall.source_id, EntityInstall.local_id).where(
            EntityInstall.company_id == company_id,
            EntityInstall.entity_type == entity_type,
            EntityInstall.source_id.in_(source_ids),
        )
    )
    return {row.source_id: row.local_id for row in rows}


async def sync_installs(session: AsyncSession, version: Version) -> None:
    """After a new version of an entity: every company's install gets the headers it needs
    (tasks of new levels, new triggers)."""
    installs = list(
        await session.scalars(
            sa.select(EntityInstall).where(
                EntityInstall.entity_type == version.entity_type,
                EntityInstall.source_id == version.entity_id,
            )
        )
    )
    if installs:
        versions = await versions_of(session, version.entity_type, version.entity_id)
        for install in installs:
            await sync_install(session, install, versions)


async def sync_install(
    session: AsyncSession, install: EntityInstall, versions: list[Version]
) -> None:
    """Create the headers any released version of the entity needs in the install's company."""
    company_id = install.company_id
    released = [v for v in versions if v.status is not VersionStatus.DRAFT]
    tasks: dict[str, dict[str, Any]] = {}
    triggers: dict[str, dict[str, Any]] = {}
    for version in released:
        for level in (version.snapshot.get("definition") or {}).get("levels", []):
            for task in level["tasks"]:
                tasks[task["id"]] = {"name": task["name"], "fields": task["fields"]}
        for trigger in version.snapshot.get("triggers", []):
            triggers[trigger["id"]] = trigger
    known = await local_ids(session, company_id, "Task", list(tasks))
    creator = await company_creator(session, company_id) if set(tasks) - set(known) else None
    for source_id, task in tasks.items():
        if source_id not in known:
            row = Task(
                company_id=company_id,
                name=task["name"],
                fields=task["fields"],
                status=TaskStatus.PUBLISHED,
                created_by_id=str(creator),
            )
            await add_header(session, company_id, "Task", source_id, row)
    column = {"Flow": "flow_id", "Task": "task_id", "CustomTable": "table_id"}.get(
        install.entity_type
    )
    if column is None:  # a dataset has no triggers
        return
    known = await local_ids(session, company_id, "Trigger", list(triggers))
    for source_id, trigger in triggers.items():
        if source_id not in known:
            # Inactive: the live-row matching never fires it; its content comes from the
            # version the company sees (core.releases.triggers).
            header = Trigger(
                company_id=company_id,
                name=trigger["name"],
                description=trigger["description"],
                is_active=False,
                event_type=EventType(trigger["eventType"]),
                event_config={},
                conditions=None,
                actions=[],
                settings={},
            )
            setattr(header, column, install.local_id)
            await add_header(session, company_id, "Trigger", source_id, header)


async def add_header(
    session: AsyncSession, company_id: str, entity_type: str, source_id: str, row: Any
) -> EntityInstall:
    session.add(row)
    await session.flush()
    install = EntityInstall(
        company_id=company_id, entity_type=entity_type, source_id=source_id, local_id=row.id
    )
    session.add(install)
    await session.flush()
    return install


async def company_creator(session: AsyncSession, company_id: str) -> str | None:
    """Headers are created by one of the company's own users (an admin when there is one),
    so that no row of the company names a user of another company."""
    admins_first = sa.case((User.role == UserRole.ADMIN, 0), else_=1)
    user_id = await session.scalar(
        sa.select(User.id)
        .where(User.company_id == company_id)
        .order_by(admins_first, User.created_at, User.id)
        .limit(1)
    )
    return None if user_id is None else str(user_id)
