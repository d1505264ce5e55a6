"""Request and response bodies of versions, rollout, resolution and instance migration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta

from api.organisation.schemas import Id
from api.structs import Body, Out
from core.models import VersionStatus
from core.releases import Resolution

EntityType = Annotated[str, Meta(pattern="^(Task|Flow|CustomTable|Dataset)$")]
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
