"""Errors of versions and rollout, each with a stable code."""

from __future__ import annotations

from core.errors import Conflict, ErpError


class VersionImmutable(Conflict):
    """A published snapshot cannot change; restore it into a draft instead."""

    code = "version_immutable"


class NothingToPublish(Conflict):
    """The entity is exactly as its newest version froze it."""

    code = "nothing_to_publish"


class TransitionRefused(Conflict):
    """The lifecycle does not allow this move (DRAFT → PUBLISHED → STABLE → DEPRECATED)."""

    code = "transition_refused"


class NoPreviousVersion(Conflict):
    """A rollback needs an older published version to take over."""

    code = "no_previous_version"


class InstancesNeedMapping(ErpError):
    """The new flow version removes levels that running instances wait at; `instances`
    lists them with their level, and a level mapping must say where each goes."""

    code = "instances_need_mapping"
    status = 409


class InstallRefused(Conflict):
    """The entity cannot be installed into this company (its own company, a type that is
    not installed, a company without users)."""

    code = "install_refused"
