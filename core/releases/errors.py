"""Errors of resolving the version a company runs, each with a stable code."""

from __future__ import annotations

from core.errors import Conflict, ErpError


class UnknownEntityType(ErpError):
    code = "unknown_entity_type"
    status = 422


class NotRolledOut(Conflict):
    """No version of the entity reaches the company (not pinned, outside the rollout, no
    stable version): it cannot be installed or run there."""

    code = "not_rolled_out"
