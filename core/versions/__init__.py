"""Versions and rollout: immutable snapshots of definitions with semantic versions and
changelogs, rolled out to companies by pins and stable-hash percentages. Which version a
company runs is core.releases. docs/versions.md."""

from core.versions.changelog import diff_snapshots
from core.versions.drafts import ReleaseState, release_states
from core.versions.errors import (
    InstallRefused,
    InstancesNeedMapping,
    NoPreviousVersion,
    NothingToPublish,
    TransitionRefused,
    VersionImmutable,
)
from core.versions.health import Health, Watchdog, pause_json, version_health
from core.versions.installing import install_version
from core.versions.migration import (
    LevelMap,
    MigrationPlan,
    Running,
    migrate_instances,
    plan_migration,
    running_instances,
    waiting_instances,
)
from core.versions.publishing import (
    compare_versions,
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
    "Health",
    "InstallRefused",
    "InstancesNeedMapping",
    "LevelMap",
    "MigrationPlan",
    "NoPreviousVersion",
    "NothingToPublish",
    "ReleaseState",
    "Running",
    "TransitionRefused",
    "VersionImmutable",
    "Watchdog",
    "change_status",
    "compare_versions",
    "diff_snapshots",
    "get_version",
    "install_version",
    "list_versions",
    "migrate_instances",
    "pause",
    "pause_failing_versions",
    "pause_json",
    "plan_migration",
    "preview_version",
    "publish_version",
    "release_states",
    "restore_version",
    "resume",
    "rollback",
    "running_instances",
    "set_rollout",
    "version_health",
    "waiting_instances",
]
