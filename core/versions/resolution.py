"""Resolve the version a company sees for an entity, and the snapshot it runs on there."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import EntityInstall, Role, Version, VersionPause
from core.versions.buckets import Reason, pick
from core.versions.snapshots import check_entity_type


@dataclass(frozen=True, slots=True)
class Resolution:
    """The version a company sees: `source_id` is the platform entity, `local_id` the id the
    company knows it by (the same in the company that built it)."""

    version: Version
    reason: Reason
    source_id: str
    local_id: str


async def source_of(
    session: AsyncSession, *, entity_type: str, entity_id: str, company_id: str
) -> str:
    """The platform entity that `entity_id` stands for in the company (itself unless the
    company installed it from another company)."""
    source = await session.scalar(
        sa.select(EntityInstall.source_id).where(
            EntityInstall.company_id == company_id,
            EntityInstall.entity_type == entity_type,
            EntityInstall.local_id == entity_id,
        )
    )
    return source or entity_id


async def versions_of(session: AsyncSession, entity_type: str, entity_id: str) -> list[Version]:
    return list(
        await session.scalars(
            sa.select(Version).where(
                Version.entity_type == entity_type, Version.entity_id == entity_id
            )
        )
    )


async def paused_ids(session: AsyncSession, version_ids: list[str]) -> set[str]:
    if not version_ids:
        return set()
    return set(
        await session.scalars(
            sa.select(VersionPause.version_id).where(VersionPause.version_id.in_(version_ids))
        )
    )


async def resolve_version(
    session: AsyncSession, *, entity_type: str, entity_id: str, company_id: str
) -> Resolution | None:
    """The version `company_id` sees for the entity (by its platform id or the id of the
    company's install): pinned, else rolled out to its bucket, else stable; None if none."""
    check_entity_type(entity_type)
    source_id = await source_of(
        session, entity_type=entity_type, entity_id=entity_id, company_id=company_id
    )
    versions = await versions_of(session, entity_type, source_id)
    seen = pick(
        versions,
        paused=await paused_ids(session, [v.id for v in versions]),
        entity_type=entity_type,
        entity_id=source_id,
        company_id=company_id,
    )
    if seen is None:
        return None
    return Resolution(seen.version, seen.reason, source_id, entity_id)


async def flow_definition_for(
    session: AsyncSession, version: Version, *, company_id: str, flow_id: str
) -> dict[str, Any]:
    """The version's flow definition as company `company_id` runs it under its flow
    `flow_id`: level roles are the company's roles of the same name (a company that built
    the flow keeps its own ids), and the definition names the version it came from."""
    definition = copy.deepcopy(version.snapshot["definition"])
    definition["flow"].update(id=flow_id, version=version.version, versionId=version.id)
    if version.snapshot.get("companyId") != company_id:
        names = {r["name"] for level in definition["levels"] for r in level["roles"]}
        local = {
            row.name: row.id
            for row in await session.execute(
                sa.select(Role.name, Role.id).where(
                    Role.company_id == company_id, Role.name.in_(names)
                )
            )
        }
        for level in definition["levels"]:
            level["roles"] = [
                {"id": local[r["name"]], "name": r["name"]}
                for r in level["roles"]
                if r["name"] in local
            ]
    return definition


async def released_flow_definition(session: AsyncSession, flow: Any) -> dict[str, Any] | None:
    """The definition a new instance of `flow` runs on in its company when that company sees
    a version of it; None when no version reaches it (the flow's own rows apply)."""
    seen = await resolve_version(
        session, entity_type="Flow", entity_id=flow.id, company_id=flow.company_id
    )
    if seen is None:
        return None
    return await flow_definition_for(
        session, seen.version, company_id=flow.company_id, flow_id=flow.id
    )
