"""How a version is doing: the failure-rate watchdog's thresholds and its figures for the
version now, whether it is paused (and why), and its trigger executions and failures per
company and day. Executions are counted as the watchdog counts them: those of the triggers
frozen in the version (and the clients' installed copies) in the companies that see it, since
its publication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.models import (
    EntityInstall,
    Trigger,
    TriggerExecution,
    TriggerExecutionStatus,
    Version,
    VersionPause,
    utcnow,
)
from core.settings import AutomationSettings
from core.versions.publishing import get_version
from core.versions.rollout import companies_seeing, execution_counts


@dataclass(frozen=True, slots=True)
class Watchdog:
    """The thresholds (ERP_ROLLOUT_PAUSE_*) and the figures the next round judges by."""

    failure_rate: float
    min_executions: int
    window_seconds: int
    interval_seconds: float
    executions: int
    failed: int

    @property
    def rate(self) -> float | None:
        return self.failed / self.executions if self.executions else None

    @property
    def would_pause(self) -> bool:
        rate = self.rate
        return (
            rate is not None and self.executions >= self.min_executions and rate > self.failure_rate
        )


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str
    """YYYY-MM-DD (UTC)."""
    company_id: str
    executions: int
    failed: int


@dataclass(frozen=True, slots=True)
class Health:
    version: Version
    pause: VersionPause | None
    companies: list[str]
    """The companies that see the version now."""
    watchdog: Watchdog
    days: int
    series: list[DayCount]


async def version_health(
    session: AsyncSession,
    principal: Principal,
    version_id: str,
    *,
    automation: AutomationSettings,
    days: int = 7,
    now: datetime | None = None,
) -> Health:
    """The version's pause, the watchdog's view of it, and its executions per company and
    day over the last `days` days (never before its publication)."""
    require(principal, "versions.read")
    version = await get_version(session, version_id)
    now = now or utcnow()
    companies = await companies_seeing(session, version)
    window = now - timedelta(seconds=automation.rollout_pause_window_seconds)
    total, failed = (
        await execution_counts(session, version, companies, window) if companies else (0, 0)
    )
    watchdog = Watchdog(
        failure_rate=automation.rollout_pause_failure_rate,
        min_executions=automation.rollout_pause_min_executions,
        window_seconds=automation.rollout_pause_window_seconds,
        interval_seconds=automation.rollout_watchdog_seconds,
        executions=total,
        failed=failed,
    )
    since = now - timedelta(days=days)
    if version.published_at is not None:
        since = max(since, version.published_at)
    series = await _daily(session, version, companies, since) if companies else []
    return Health(
        version=version,
        pause=await session.get(VersionPause, version.id),
        companies=companies,
        watchdog=watchdog,
        days=days,
        series=series,
    )


async def _daily(
    session: AsyncSession, version: Version, companies: list[str], since: datetime
) -> list[DayCount]:
    frozen = [t["id"] for t in version.snapshot.get("triggers", [])]
    if not frozen:
        return []
    installed = sa.select(EntityInstall.local_id).where(
        EntityInstall.entity_type == "Trigger",
        EntityInstall.source_id.in_(frozen),
        EntityInstall.company_id.in_(companies),
    )
    failed = sa.func.count().filter(TriggerExecution.status == TriggerExecutionStatus.FAILED)
    day = _utc_day(session, TriggerExecution.executed_at)
    rows = await session.execute(
        sa.select(day, Trigger.company_id, sa.func.count(), failed)
        .join(Trigger, Trigger.id == TriggerExecution.trigger_id)
        .where(
            sa.or_(
                TriggerExecution.trigger_id.in_(frozen),
                TriggerExecution.trigger_id.in_(installed),
            ),
            Trigger.company_id.in_(companies),
            TriggerExecution.executed_at >= since,
        )
        .group_by(day, Trigger.company_id)
        .order_by(day, Trigger.company_id)
    )
    return [
        DayCount(day=str(d), company_id=company_id, executions=int(n), failed=int(f))
        for d, company_id, n, f in rows
    ]


def _utc_day(session: AsyncSession, column: Any) -> Any:
    """The UTC calendar day of a timestamp column as YYYY-MM-DD (SQLite keeps UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)


def pause_json(pause: VersionPause | None) -> dict[str, Any] | None:
    if pause is None:
        return None
    return {
        "reason": pause.reason,
        "failureRate": pause.failure_rate,
        "executions": pause.executions,
        "pausedBy": pause.paused_by,
        "pausedAt": pause.paused_at.isoformat(),
        "automatic": pause.paused_by is None,
    }
