"""Request and response bodies of versions, rollout, resolution and instance migration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta

from api.organisation.schemas import Id
from api.structs import Body, Out
from core.models import VersionStatus
from core.releases import Resolution

EntityType = Literal["Task", "Flow", "CustomTable", "Dataset"]
SemVer = Annotated[str, Meta(max_length=20)]
LevelMap = dict[Annotated[str, Meta(max_length=200)], Annotated[int, Meta(ge=1, le=1000)]]


class PublishIn(Body):
    entity_type: EntityType
    entity_id: Id
    version: SemVer | None = None
    """A number at least the proposed one."""
    changes: Annotated[str, Meta(max_length=500)] | None = None
    draft: bool = False
    level_map: LevelMap | None = None
    """{old level order or name: new level order} for instances at removed levels."""


class StatusIn(Body):
    status: VersionStatus


class RolloutIn(Body):
    rollout_percentage: Annotated[int, Meta(ge=0, le=100)] | None = None
    deployed_to_clients: Annotated[list[Id], Meta(max_length=10_000)] | None = None


class PauseIn(Body):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class MigrateIn(Body):
    company_id: Id | None = None
    """The company whose instances move (a developer's choice; admins move their own)."""
    level_map: LevelMap | None = None
    instance_ids: Annotated[list[Id], Meta(max_length=1000)] | None = None


class MigrationPlanIn(MigrateIn):
    """The same body as a migration: what would it do?"""


class InstanceAt(Out):
    instance_id: str
    company_id: str
    flow_id: str
    """The flow id in its company (the company's install of a platform flow)."""
    level_order: int
    level_name: str


class MoveOut(Out):
    instance: InstanceAt
    to_level: int
    to_level_name: str


class StuckOut(Out):
    instance: InstanceAt
    reason: str


class MigrationPlanOut(Out):
    version_id: str
    version: str
    moves: list[MoveOut]
    """The instances that would move, and to which level of the version."""
    stuck: list[StuckOut]
    """The instances that cannot move as asked, and why (map their level)."""


class RunningOut(Out):
    instance: InstanceAt
    version_id: str | None
    version: str | None
    """The version it runs; null when it runs the flow's own rows (no release yet)."""
    started_at: datetime


class SightOut(Out):
    version_id: str
    version: str
    reason: str
    """pinned, rollout or stable."""


class CompanyReachOut(Out):
    company_id: str
    company_name: str
    bucket: int
    """0..9999: a rollout of p% reaches the buckets below p * 100."""
    now: SightOut | None
    """The version the company sees now (null: none; the entity's own rows apply)."""
    proposed: SightOut | None
    """The one it would see with the proposed rollout applied."""


class AudienceOut(Out):
    version_id: str
    rollout_percentage: int
    """The percentage the `proposed` column is computed for."""
    deployed_to_clients: list[str]
    reached_now: int
    reached_proposed: int
    companies: list[CompanyReachOut]


class PauseOut(Out):
    reason: str
    failure_rate: float | None
    executions: int | None
    paused_by: str | None
    paused_at: str
    automatic: bool


class WatchdogOut(Out):
    failure_rate: float
    """Pause above this share of FAILED executions (ERP_ROLLOUT_PAUSE_FAILURE_RATE)."""
    min_executions: int
    window_seconds: int
    interval_seconds: float
    executions: int
    """Executions the watchdog counts for the version now (its window, since publication)."""
    failed: int
    rate: float | None
    would_pause: bool


class DayCountOut(Out):
    day: str
    company_id: str
    executions: int
    failed: int


class HealthOut(Out):
    version_id: str
    pause: PauseOut | None
    companies: list[str]
    """The companies that see the version now."""
    watchdog: WatchdogOut
    days: int
    series: list[DayCountOut]


class CompareOut(Out):
    from_version: VersionOut
    to_version: VersionOut
    impact: str | None
    changes: str
    change_log: list[Any]


class InstallIn(Body):
    company_id: Id
    """A client company the version reaches (pinned, in its rollout, or by a stable version)."""


class InstallOut(Out):
    company_id: str
    entity_type: str
    source_id: str
    local_id: str
    """The id the company knows the entity by (its flow or task)."""


class PreviewOut(Out):
    proposed_version: str
    previous_version: str | None
    changes: str
    change_log: list[Any]


class ReleaseStateOut(Out):
    """Whether a definition differs from its latest release: `latest` null when it was never
    released; `changes` the changelog entries publishing it now would record (0: the same as
    `latest`), with the highest `impact` and the `proposed` version."""

    entity_id: str
    latest: str | None
    changes: int
    proposed: str
    impact: str | None


class ResolvedOut(Out):
    reason: str
    source_id: str
    version: VersionOut


class MigratedOut(Out):
    instance_id: str
    from_level: int
    to_level: int
    version: str


def resolved_out(seen: Resolution) -> ResolvedOut:
    import msgspec

    return ResolvedOut(
        reason=seen.reason,
        source_id=seen.source_id,
        version=msgspec.convert(seen.version, VersionOut, from_attributes=True),
    )


class VersionOut(Out):
    id: str
    version: str
    entity_type: str
    entity_id: str
    snapshot: dict[str, Any]
    changes: str | None
    change_log: list[Any]
    status: VersionStatus
    rollout_percentage: int
    deployed_to_clients: list[Any]
    created_by: str
    created_at: datetime
    published_at: datetime | None
