"""Versions and rollout: immutable snapshots of definitions with semantic versions and
changelogs, rolled out to companies by pins and stable-hash percentages. Which version a
company runs is core.releases. docs/versions.md."""

from core.versions.changelog import diff_snapshots
from core.versions.errors import (
    InstallRefused,
    InstancesNeedMapping,
    NoPreviousVersion,
    NothingToPublish,
    TransitionRefused,
    VersionImmutable,
)
from core.versions.installing import install_version
from core.versions.migration import LevelMap, migrate_instances, waiting_instances
from core.versions.publishing import (
    get_version,
    list_versions,
    preview_version,
    publish_version,
    restore_version,
)
from core.versions.rollout import (
    change_status,
    pause,
    pause_failing_versions,
    resume,
    rollback,
    set_rollout,
)

__all__ = [
    "InstallRefused",
    "InstancesNeedMapping",
    "LevelMap",
    "NoPreviousVersion",
    "NothingToPublish",
    "TransitionRefused",
    "VersionImmutable",
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
    "restore_version",
    "resume",
    "rollback",
    "set_rollout",
    "waiting_instances",
]
