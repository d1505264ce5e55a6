"""Publish an entity as an immutable version (snapshot, proposed semantic version, changelog),
read versions, and restore any version into a draft of its entity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.models import Version, VersionStatus, utcnow
from core.releases.buckets import version_key
from core.releases.entity_types import check_entity_type
from core.releases.installs import sync_installs
from core.releases.resolution import versions_of
from core.versions import changelog, semver
from core.versions.errors import NothingToPublish
from core.versions.migration import LevelMap, check_waiting_instances, migrate_waiting
from core.versions.snapshots import capture, write_back


async def preview_version(
    session: AsyncSession, *, entity_type: str, entity_id: str
) -> dict[str, Any]:
    """What publishing now would store: the proposed version, summary and changelog."""
    check_entity_type(entity_type)
    snapshot = await capture(session, entity_type, entity_id)
    previous = await _newest(session, entity_type, entity_id)
    entries = changelog.diff_snapshots(previous.snapshot if previous else None, snapshot)
    return {
        "proposedVersion": _proposal(previous, entries),
        "previousVersion": previous.version if previous else None,
        "changes": changelog.summary(entries),
        "changeLog": entries,
    }


async def publish_version(
    session: AsyncSession,
    principal: Principal,
    *,
    entity_type: str,
    entity_id: str,
    version: str | None = None,
    changes: str | None = None,
    draft: bool = False,
    level_map: LevelMap | None = None,
) -> Version:
    """Freeze the entity as a new version: PUBLISHED (reaching no company until rolled out,
    pinned or made stable) or, with `draft`, a DRAFT to publish later. `version` may raise
    the proposed number, never lower it. A flow version that removes levels running
    instances wait at needs `level_map` ({old level order or name: new level order}); the
    instances are then moved onto the new version, else InstancesNeedMapping lists them."""
    require(principal, "versions.write")
    check_entity_type(entity_type)
    snapshot = await capture(session, entity_type, entity_id)
    previous = await _newest(session, entity_type, entity_id)
    entries = changelog.diff_snapshots(previous.snapshot if previous else None, snapshot)
    if previous is not None and not entries:
        raise NothingToPublish(
            f"{entity_type} {entity_id} is exactly as version {previous.version} froze it."
        )
    waiting = []
    if entity_type == "Flow":
        waiting = await check_waiting_instances(session, entity_id, snapshot, level_map)
    now = utcnow()
    row = Version(
        version=semver.choose(_proposal(previous, entries), version),
        entity_type=entity_type,
        entity_id=entity_id,
        snapshot=snapshot,
        changes=changes or changelog.summary(entries),
        change_log=entries,
        status=VersionStatus.DRAFT if draft else VersionStatus.PUBLISHED,
        rollout_percentage=0,
        deployed_to_clients=[],
        created_by=principal.user_id,
        created_at=now,
        published_at=None if draft else now,
    )
    session.add(row)
    await session.flush()
    if not draft:
        await sync_installs(session, row)
    if waiting and level_map is not None:
        await migrate_waiting(session, principal, row, waiting, level_map)
    record_audit(
        session,
        principal,
        "version.created",
        "Version",
        row.id,
        after=_audited(row),
        company_id=snapshot["companyId"],
        metadata={"entityType": entity_type, "entityId": entity_id},
    )
    return row


async def get_version(session: AsyncSession, version_id: str) -> Version:
    row = await session.get(Version, version_id)
    if row is None:
        raise NotFound(f"Version {version_id} does not exist.")
    return row


async def list_versions(
    session: AsyncSession, *, entity_type: str, entity_id: str
) -> list[Version]:
    """Every version of the entity, newest first."""
    check_entity_type(entity_type)
    return sorted(await versions_of(session, entity_type, entity_id), key=version_key, reverse=True)


async def compare_versions(
    session: AsyncSession, principal: Principal, from_id: str, to_id: str
) -> dict[str, Any]:
    """The changelog from one version of an entity to another (any two, either way round):
    what a developer reads before restoring or rolling back."""
    require(principal, "versions.read")
    before = await get_version(session, from_id)
    after = await get_version(session, to_id)
    if (before.entity_type, before.entity_id) != (after.entity_type, after.entity_id):
        raise ValidationFailed(
            [FieldProblem("query:to", "Compare two versions of the same entity.", "other_entity")]
        )
    entries = changelog.diff_snapshots(before.snapshot, after.snapshot)
    return {
        "from": before,
        "to": after,
        "impact": changelog.proposed_impact(entries) if entries else None,
        "changes": changelog.summary(entries),
        "changeLog": entries,
    }


async def restore_version(session: AsyncSession, principal: Principal, version_id: str) -> Any:
    """Put the version's snapshot back onto its entity, exactly as it was, as a draft to edit
    and publish again (as a new version: versions themselves never change)."""
    require(principal, "versions.write")
    version = await get_version(session, version_id)
    row = await write_back(session, version.snapshot, user_id=principal.user_id)
    record_audit(
        session,
        principal,
        "version.restored",
        version.entity_type,
        version.entity_id,
        company_id=version.snapshot["companyId"],
        metadata={"versionId": version.id, "version": version.version},
    )
    return row


def _proposal(previous: Version | None, entries: list[dict[str, Any]]) -> str:
    if previous is None:
        return semver.FIRST_VERSION
    return semver.bump(previous.version, changelog.proposed_impact(entries))


async def _newest(session: AsyncSession, entity_type: str, entity_id: str) -> Version | None:
    versions = await versions_of(session, entity_type, entity_id)
    return max(versions, key=version_key, default=None)


def _audited(row: Version) -> dict[str, Any]:
    return {
        "version": row.version,
        "status": row.status.value,
        "rolloutPercentage": row.rollout_percentage,
        "deployedToClients": list(row.deployed_to_clients),
    }
