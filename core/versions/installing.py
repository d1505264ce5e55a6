"""Installing a platform entity into a client company: the install and its header rows,
created once when a version of the entity reaches the company (core.releases.installs keeps
them up to date)."""

from __future__ import annotations

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
    Flow,
    FlowStatus,
    Task,
    TaskStatus,
    Version,
)
from core.records.indexes import sync_indexes
from core.releases.buckets import pick
from core.releases.errors import NotRolledOut
from core.releases.installs import add_header, company_creator, sync_install
from core.releases.resolution import paused_ids, versions_of
from core.schema import compile_schema
from core.versions.errors import InstallRefused

INSTALLABLE = ("Flow", "Task", "CustomTable", "Dataset")


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
    creator = await company_creator(session, company_id)
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
            visibility={},  # the version's, found by name in the company (core.releases.running)
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
    return await add_header(session, company_id, version.entity_type, version.entity_id, row), True


async def _table_header(session: AsyncSession, version: Version, company_id: str) -> EntityInstall:
    """The company's table for a platform table: its own table of the same name when it has
    one (trigger actions already write there), else a new one from the snapshot. Either way
    its records follow the version the company sees (core.releases.running)."""
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
    install = await add_header(session, company_id, "CustomTable", version.entity_id, row)
    await sync_indexes(session, row.id, compile_schema(row.schema, where="schema"))
    return install
