"""Resolve the version a company sees for an entity (by its platform id or the id of the
company's install of it)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import EntityInstall, Version, VersionPause
from core.releases.buckets import Reason, pick
from core.releases.entity_types import check_entity_type


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
    _, seen = await resolve_with_source(
        session, entity_type=entity_type, entity_id=entity_id, company_id=company_id
    )
    return seen


async def resolve_with_source(
    session: AsyncSession, *, entity_type: str, entity_id: str, company_id: str
) -> tuple[str, Resolution | None]:
    """The platform entity `entity_id` stands for in the company, and the version the
    company sees of it (callers that need both ask once)."""
    check_entity_type(entity_type)
    # One round trip: the platform entity (the install's source, else the entity itself)
    # with its versions, outer-joined so that an entity without versions still names it.
    installed = (
        sa.select(EntityInstall.source_id)
        .where(
            EntityInstall.company_id == company_id,
            EntityInstall.entity_type == entity_type,
            EntityInstall.local_id == entity_id,
        )
        .scalar_subquery()
    )
    source = sa.select(sa.func.coalesce(installed, entity_id).label("id")).subquery()
    rows = (
        await session.execute(
            sa.select(source.c.id, Version)
            .select_from(source)
            .outerjoin(
                Version,
                sa.and_(Version.entity_type == entity_type, Version.entity_id == source.c.id),
            )
        )
    ).all()
    source_id = str(rows[0][0])
    versions = [version for _, version in rows if version is not None]
    if not versions:  # most entities are never versioned: no pauses to read
        return source_id, None
    seen = pick(
        versions,
        paused=await paused_ids(session, [v.id for v in versions]),
        entity_type=entity_type,
        entity_id=source_id,
        company_id=company_id,
    )
    if seen is None:
        return source_id, None
    return source_id, Resolution(seen.version, seen.reason, source_id, entity_id)
