"""Every hook a plugin can implement (pluggy project `erp`). Each docstring says when the
hook is called and what it returns. Hooks that collect contributions return lists, which
the caller flattens; a contribution that is malformed is reported and skipped."""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "erp"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def erp_register_commands(cli: Any) -> None:
    """Called once when the `erp` command line starts; add click commands or groups to
    `cli` (a `click.Group`). Returns nothing."""


@hookspec
def erp_register_field_types() -> list[Any]:
    """Called once when the schema registry is built. Return a list of field types (see
    the SDK's field type base) that task fields, table columns and dataset sections may
    use."""


@hookspec
def erp_register_actions() -> list[Any]:
    """Called once when the action registry is built. Return a list of trigger actions
    (name, config schema, an async `run`) that triggers and integration workflows may
    run."""


@hookspec
def erp_register_integrations() -> list[Any]:
    """Called once when the integration registry is built. Return a list of integration
    types: their config schema, credential fields, actions and sources."""


@hookspec
def erp_register_rule_operators() -> list[Any]:
    """Called once when the rule engine starts. Return a list of extra JSONLogic
    operators (name and implementation) available to every rule."""


@hookspec
def erp_startup(settings: Any) -> None:
    """Called once when a platform process (API, worker, scheduler) has started, with the
    platform settings. Returns nothing; a plugin that raises is reported, not fatal."""


@hookspec
def erp_event_recorded(event: Any) -> None:
    """Called in the background side after a domain event has been committed and handed
    to trigger processing (the outbox row, read-only). Returns nothing."""
