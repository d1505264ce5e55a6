"""Moving versions through their lifecycle and out to companies: transitions, pins and
percentages, one-call rollback, pause and resume, and the failure-rate watchdog. Every change
is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.models import (
    Company,
    EntityInstall,
    Trigger,
    TriggerExecution,
    TriggerExecutionStatus,
    UserRole,
    Version,
    VersionPause,
    VersionStatus,
    utcnow,
)
from core.releases.buckets import LIVE, pick, version_key
from core.releases.installs import sync_installs
from core.releases.resolution import paused_ids, versions_of
from core.versions.errors import NoPreviousVersion, TransitionRefused
from core.versions.installing import INSTALLABLE, ensure_install
from core.versions.publishing import get_version

MOVES: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.STABLE, VersionStatus.DEPRECATED}),
    VersionStatus.STABLE: frozenset({VersionStatus.DEPRECATED}),
    VersionStatus.DEPRECATED: frozenset(),
}
"""The lifecycle; a rollback is the one way a deprecated version comes back (as stable)."""


def _state(row: Version) -> dict[str, Any]:
    return {
        "status": row.status.value,
        "rolloutPercentage": row.rollout_percentage,
        "deployedToClients": list(row.deployed_to_clients),
    }


def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    row: Version,
    before: dict[str, Any],
    **metadata: Any,
) -> None:
    record_audit(
        session,
        principal,
        action,
        "Version",
        row.id,
        before=before,
        after=_state(row),
        company_id=row.snapshot.get("companyId"),
        metadata={"entityType": row.entity_type, "entityId": row.entity_id, **metadata},
    )


async def change_status(
    session: AsyncSession, principal: Principal, version_id: str, status: VersionStatus
) -> Version:
    """Move a version along its lifecycle. Making a version STABLE deprecates the stable
    version it replaces (running instances keep running on it)."""
    require(principal, "versions.write")
    row = await get_version(session, version_id)
    if status not in MOVES[row.status]:
        raise TransitionRefused(
            f"A {row.status.value} version cannot become {status.value}.",
            allowed=sorted(s.value for s in MOVES[row.status]),
        )
    if status is VersionStatus.STABLE:
        for other in await versions_of(session, row.entity_type, row.entity_id):
            if other.id != row.id and other.status is VersionStatus.STABLE:
                before = _state(other)
                other.status = VersionStatus.DEPRECATED
                _audit(session, principal, "version.deprecated", other, before, replacedBy=row.id)
    before = _state(row)
    row.status = status
    if status is VersionStatus.PUBLISHED:
        row.published_at = utcnow()
    _audit(session, principal, f"version.{status.value.lower()}", row, before)
    await session.flush()
    if status is VersionStatus.PUBLISHED:
        await sync_installs(session, row)
    return row


async def set_rollout(
    session: AsyncSession,
    principal: Principal,
    version_id: str,
    *,
    percentage: int | None = None,
    clients: list[str] | None = None,
) -> Version:
    """Set the share of companies (by bucket) and/or the companies pinned explicitly. A
    pinned client company gets the flow or task installed (its header rows) at once."""
    require(principal, "versions.write")
    row = await get_version(session, version_id)
    if row.status not in LIVE:
        raise TransitionRefused(f"A {row.status.value} version cannot be rolled out.")
    problems = []
    if percentage is not None and (type(percentage) is not int or not 0 <= percentage <= 100):
        problems.append(FieldProblem("/rolloutPercentage", "must be 0 to 100", "out_of_range"))
    if clients is not None:
        known = set(await session.scalars(sa.select(Company.id).where(Company.id.in_(clients))))
        problems += [
            FieldProblem(f"/deployedToClients/{i}", f"No company {c}.", "not_found")
            for i, c in enumerate(clients)
            if c not in known
        ]
    if problems:
        raise ValidationFailed(problems)
    before = _state(row)
    if percentage is not None:
        row.rollout_percentage = percentage
    if clients is not None:
        row.deployed_to_clients = list(dict.fromkeys(clients))
    _audit(session, principal, "version.rollout_changed", row, before)
    await session.flush()
    if clients and row.entity_type in INSTALLABLE:
        for company_id in row.deployed_to_clients:
            if company_id != row.snapshot.get("companyId"):
                await ensure_install(session, principal, row, company_id)
    return row


async def rollback(session: AsyncSession, principal: Principal, version_id: str) -> Version:
    """Take `version_id` and every newer version of its entity out of service and make the
    version before it the stable one: it takes over for every company at once. Returns the
    version that took over."""
    require(principal, "versions.write")
    row = await get_version(session, version_id)
    versions = sorted(await versions_of(session, row.entity_type, row.entity_id), key=version_key)
    older = [
        v
        for v in versions
        if version_key(v) < version_key(row) and v.status is not VersionStatus.DRAFT
    ]
    if not older:
        raise NoPreviousVersion(f"Version {row.version} has no earlier version to roll back to.")
    previous = older[-1]
    for newer in versions:
        if version_key(newer) >= version_key(row) and newer.status in LIVE:
            before = _state(newer)
            newer.status = VersionStatus.DEPRECATED
            newer.rollout_percentage = 0
            newer.deployed_to_clients = []
            _audit(session, principal, "version.rolled_back", newer, before, to=previous.id)
    for other in older[:-1]:
        if other.status is VersionStatus.STABLE:
            before = _state(other)
            other.status = VersionStatus.DEPRECATED
            _audit(session, principal, "version.deprecated", other, before, replacedBy=previous.id)
    before = _state(previous)
    previous.status = VersionStatus.STABLE
    await session.execute(sa.delete(VersionPause).where(VersionPause.version_id == previous.id))
    _audit(
        session, principal, "version.restored_by_rollback", previous, before, rolledBackFrom=row.id
    )
    await session.flush()
    return previous


async def pause(
    session: AsyncSession,
    principal: Principal,
    version_id: str,
    *,
    reason: str,
    failure_rate: float | None = None,
    executions: int | None = None,
    automatic: bool = False,
) -> VersionPause:
    """Take the version out of resolution (companies fall back to what they saw without it)
    while keeping its rollout to resume it as it was."""
    row = await get_version(session, version_id)
    existing = await session.get(VersionPause, version_id)
    if existing is not None:
        return existing
    paused = VersionPause(
        version_id=row.id,
        reason=reason,
        failure_rate=failure_rate,
        executions=executions,
        paused_by=None if automatic else principal.user_id,
        paused_at=utcnow(),
    )
    session.add(paused)
    _audit(
        session,
        principal,
        "version.paused",
        row,
        _state(row),
        reason=reason,
        automatic=automatic,
        failureRate=failure_rate,
        executions=executions,
    )
    await session.flush()
    return paused


async def resume(session: AsyncSession, principal: Principal, version_id: str) -> Version:
    require(principal, "versions.write")
    row = await get_version(session, version_id)
    paused = await session.get(VersionPause, version_id)
    if paused is None:
        raise NotFound(f"Version {row.version} is not paused.")
    await session.delete(paused)
    _audit(session, principal, "version.resumed", row, _state(row))
    await session.flush()
    return row


async def pause_failing_versions(
    session: AsyncSession,
    *,
    failure_rate: float,
    min_executions: int,
    window: timedelta,
) -> list[VersionPause]:
    """Pause every live, rolled-out version whose triggers failed above `failure_rate` (of at
    least `min_executions` executions within `window`) in the companies that see it."""
    since = utcnow() - window
    candidates = list(
        await session.scalars(
            sa.select(Version).where(
                Version.status == VersionStatus.PUBLISHED,
                Version.entity_type.in_(("Task", "Flow", "CustomTable")),
            )
        )
    )
    paused_now = []
    already = await paused_ids(session, [v.id for v in candidates])
    for version in candidates:
        if version.id in already:
            continue
        companies = await companies_seeing(session, version)
        if not companies:
            continue
        total, failed = await execution_counts(session, version, companies, since)
        if total < min_executions or failed / total <= failure_rate:
            continue
        auditor = Principal(user_id=version.created_by, role=UserRole.DEVELOPER, company_id=None)
        paused_now.append(
            await pause(
                session,
                auditor,
                version.id,
                reason=f"{failed} of {total} trigger executions failed since {since:%H:%M} UTC",
                failure_rate=failed / total,
                executions=total,
                automatic=True,
            )
        )
    return paused_now


async def companies_seeing(session: AsyncSession, version: Version) -> list[str]:
    versions = await versions_of(session, version.entity_type, version.entity_id)
    paused = await paused_ids(session, [v.id for v in versions])
    seeing = []
    for company_id in await session.scalars(sa.select(Company.id)):
        seen = pick(
            versions,
            paused=paused,
            entity_type=version.entity_type,
            entity_id=version.entity_id,
            company_id=company_id,
        )
        if seen is not None and seen.version.id == version.id:
            seeing.append(company_id)
    return seeing


async def execution_counts(
    session: AsyncSession, version: Version, companies: list[str], since: Any
) -> tuple[int, int]:
    frozen = [t["id"] for t in version.snapshot.get("triggers", [])]
    if not frozen:
        return 0, 0
    # Client companies record executions under their installed copies of the triggers.
    installed = sa.select(EntityInstall.local_id).where(
        EntityInstall.entity_type == "Trigger",
        EntityInstall.source_id.in_(frozen),
        EntityInstall.company_id.in_(companies),
    )
    since = max(since, version.published_at or since)
    failed = sa.func.count().filter(TriggerExecution.status == TriggerExecutionStatus.FAILED)
    row = (
        await session.execute(
            sa.select(sa.func.count(), failed)
            .select_from(TriggerExecution)
            .join(Trigger, Trigger.id == TriggerExecution.trigger_id)
            .where(
                sa.or_(
                    TriggerExecution.trigger_id.in_(frozen),
                    TriggerExecution.trigger_id.in_(installed),
                ),
                Trigger.company_id.in_(companies),
                TriggerExecution.executed_at >= since,
            )
        )
    ).one()
    return int(row[0]), int(row[1])
