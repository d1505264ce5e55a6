"""Versions and rollout: immutable snapshots of definitions with semantic versions and
changelogs, rolled out to companies by pins and stable-hash percentages. docs/versions.md."""

from core.versions.buckets import BUCKETS, admits, bucket_of
from core.versions.changelog import diff_snapshots
from core.versions.errors import (
    InstallRefused,
    InstancesNeedMapping,
    NoPreviousVersion,
    NothingToPublish,
    NotRolledOut,
    TransitionRefused,
    UnknownEntityType,
    VersionImmutable,
)
from core.versions.installs import install_version
from core.versions.migration import LevelMap, migrate_instances, waiting_instances
from core.versions.publishing import (
    get_version,
    list_versions,
    preview_version,
    publish_version,
    restore_version,
)
from core.versions.resolution import Resolution, resolve_version
from core.versions.rollout import (
    change_status,
    pause,
    pause_failing_versions,
    resume,
    rollback,
    set_rollout,
)
from core.versions.running import (
    released_flow_definition,
    released_version,
    released_visibility,
)
from core.versions.snapshots import ENTITY_TYPES
from core.versions.triggers import released_trigger, released_triggers

__all__ = [
    "BUCKETS",
    "ENTITY_TYPES",
    "InstallRefused",
    "InstancesNeedMapping",
    "LevelMap",
    "NoPreviousVersion",
    "NotRolledOut",
    "NothingToPublish",
    "Resolution",
    "TransitionRefused",
    "UnknownEntityType",
    "VersionImmutable",
    "admits",
    "bucket_of",
    "change_status",
    "diff_snapshots",
    "get_version",
    "install_version",
    "list_versions",
    "migrate_instances",
    "pause",
    "pause_failing_versions",
    "preview_version",
    "publish_version",
    "released_flow_definition",
    "released_trigger",
    "released_triggers",
    "released_version",
    "released_visibility",
    "resolve_version",
    "restore_version",
    "resume",
    "rollback",
    "set_rollout",
    "waiting_instances",
]
