"""Installing a platform entity into a client company: the company's own header rows (the
flow or task, the tasks of the flow's levels, the entity's triggers) that stand for the
platform's rows, so that its instances, submissions and trigger executions reference only
its own ids. The content always comes from the version the company sees (resolution)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import NotFound
from core.models import (
    Company,
    CustomTable,
    Dataset,
    DatasetStatus,
    EntityInstall,
    EventType,
    Flow,
    FlowStatus,
    Task,
    TaskStatus,
    Trigger,
    User,
    UserRole,
    Version,
    VersionStatus,
)
from core.versions.buckets import pick
from core.versions.errors import InstallRefused, NotRolledOut
from core.versions.resolution import paused_ids, versions_of

INSTALLABLE = ("Flow", "Task", "CustomTable", "Dataset")
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


async def install_version(
    session: AsyncSession, principal: Principal, version_id: str, company_id: str
) -> EntityInstall:
    """Make the version's entity usable in `company_id` (which must see a version of it):
    create the company's header rows once; installing again only adds what newer versions
    need. The company that built the entity uses its own rows and installs nothing."""
    require(principal, "versions.write")
    version = await session.get(Version, version_id)
    if version is None:
        raise NotFound(f"Version {version_id} does not exist.")
    if version.entity_type not in INSTALLABLE:
        raise InstallRefused(
            f"A {version.entity_type} is not installed into companies; "
            f"installable: {', '.join(INSTALLABLE)}."
        )
    if version.snapshot.get("companyId") == company_id:
        raise InstallRefused("The company that built the entity runs it on its own rows.")
    if await session.get(Company, company_id) is None:
        raise NotFound(f"Company {company_id} does not exist.")
    versions = await versions_of(session, version.entity_type, version.entity_id)
    seen = pick(
        versions,
        paused=await paused_ids(session, [v.id for v in versions]),
        entity_type=version.entity_type,
        entity_id=version.entity_id,
        company_id=company_id,
    )
    if seen is None:
        raise NotRolledOut(
            f"No version of this {version.entity_type} reaches company {company_id}; "
            "pin it or roll it out first."
        )
    install = await ensure_install(session, principal, version, company_id)
    if install is None:
        raise InstallRefused(f"Company {company_id} has no user to own the installed rows.")
    return install


async def ensure_install(
    session: AsyncSession, principal: Principal, version: Version, company_id: str
) -> EntityInstall | None:
    """The company's install of the version's entity, created (and audited) if missing and
    brought up to date; None when the company has no user yet to own its rows."""
    creator = await _company_creator(session, company_id)
    if creator is None:
        return None
    install, created = await _install_header(session, version, company_id, creator)
    await sync_install(
        session, install, await versions_of(session, version.entity_type, version.entity_id)
    )
    if created:
        record_audit(
            session,
            principal,
            "version.installed",
            version.entity_type,
            install.local_id,
            company_id=company_id,
            metadata={"versionId": version.id, "sourceId": version.entity_id},
        )
    await session.flush()
    return install


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
    creator = await _company_creator(session, company_id) if set(tasks) - set(known) else None
    for source_id, task in tasks.items():
        if source_id not in known:
            row = Task(
                company_id=company_id,
                name=task["name"],
                fields=task["fields"],
                status=TaskStatus.PUBLISHED,
                created_by_id=str(creator),
            )
            await _add_header(session, company_id, "Task", source_id, row)
    column = {"Flow": "flow_id", "Task": "task_id", "CustomTable": "table_id"}.get(
        install.entity_type
    )
    if column is None:  # a dataset has no triggers
        return
    known = await local_ids(session, company_id, "Trigger", list(triggers))
    for source_id, trigger in triggers.items():
        if source_id not in known:
            # Inactive: the live-row matching never fires it; its content comes from the
            # version the company sees (core.versions.triggers).
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
            await _add_header(session, company_id, "Trigger", source_id, header)


async def _install_header(
    session: AsyncSession, version: Version, company_id: str, creator: str
) -> tuple[EntityInstall, bool]:
    existing = await session.scalar(
        sa.select(EntityInstall).where(
            EntityInstall.company_id == company_id,
            EntityInstall.entity_type == version.entity_type,
            EntityInstall.source_id == version.entity_id,
        )
    )
    if existing is not None:
        return existing, False
    snapshot = version.snapshot
    row: Any
    if version.entity_type == "CustomTable":
        return await _table_header(session, version, company_id), True
    if version.entity_type == "Dataset":
        attributes = snapshot.get("attributes", {})
        row = Dataset(
            company_id=company_id,
            name=snapshot["name"],
            description=snapshot["description"],
            category=attributes.get("category"),
            sections=snapshot["sections"],
            visibility={},  # the version's, found by name in the company (core.versions.running)
            status=DatasetStatus.PUBLISHED,
        )
    elif version.entity_type == "Flow":
        row = Flow(
            company_id=company_id,
            name=snapshot["name"],
            description=snapshot["description"],
            status=FlowStatus.PUBLISHED,
            created_by_id=creator,
        )
    else:
        row = Task(
            company_id=company_id,
            name=snapshot["name"],
            description=snapshot["description"],
            fields=snapshot["fields"],
            status=TaskStatus.PUBLISHED,
            created_by_id=creator,
        )
    return await _add_header(session, company_id, version.entity_type, version.entity_id, row), True


async def _table_header(session: AsyncSession, version: Version, company_id: str) -> EntityInstall:
    """The company's table for a platform table: its own table of the same name when it has
    one (trigger actions already write there), else a new one from the snapshot. Either way
    its records follow the version the company sees (core.versions.running)."""
    from core.records.indexes import sync_indexes  # core.records resolves versions here
    from core.schema import compile_schema

    snapshot = version.snapshot
    attributes = snapshot.get("attributes", {})
    row = await session.scalar(
        sa.select(CustomTable).where(
            CustomTable.company_id == company_id, CustomTable.name == snapshot["name"]
        )
    )
    if row is not None:
        install = EntityInstall(
            company_id=company_id,
            entity_type="CustomTable",
            source_id=version.entity_id,
            local_id=row.id,
        )
        session.add(install)
        await session.flush()
        return install
    row = CustomTable(
        company_id=company_id,
        name=snapshot["name"],
        display_name=attributes.get("displayName") or snapshot["name"],
        description=snapshot["description"],
        schema=snapshot["fields"],
        relations=attributes.get("relations") or [],
        settings=attributes.get("settings") or {},
        permissions=attributes.get("permissions") or {},
    )
    install = await _add_header(session, company_id, "CustomTable", version.entity_id, row)
    await sync_indexes(session, row.id, compile_schema(row.schema, where="schema"))
    return install


async def _add_header(
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


async def _company_creator(session: AsyncSession, company_id: str) -> str | None:
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
