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
def erp_register_field_types() -> list[Any]:  # type: ignore[empty-body]
    """Called once when the plugins are loaded. Return a list of `core.plugins.FieldType`
    instances that task fields, table columns and dataset fields may name in `type`. A type
    whose name is already taken, or that is not a FieldType, is reported and skipped."""


@hookspec
def erp_register_actions() -> list[Any]:  # type: ignore[empty-body]
    """Called once when the plugins are loaded. Return a list of trigger actions (the
    triggers area's action descriptor: a `name`, a config schema, an async
    `run(context, config)`) that triggers and integration workflows may run. An item with no
    name or no callable `run` is reported and skipped."""


@hookspec
def erp_register_integrations() -> list[Any]:  # type: ignore[empty-body]
    """Called once when the plugins are loaded. Return a list of
    `core.plugins.IntegrationType`: the settings a company fills in (secrets marked), and the
    actions and sources the integration offers. Malformed ones are reported and skipped."""


@hookspec
def erp_register_rule_operators() -> list[Any]:  # type: ignore[empty-body]
    """Called once when the plugins are loaded. Return a list of `core.plugins.RuleOperator`
    (a name and a pure function of the evaluated arguments) that every rule may use. A name
    that clashes with a built-in or another plugin's operator is reported and skipped."""


@hookspec
def erp_startup(settings: Any) -> None:
    """Called once when a platform process (API, worker, scheduler) has started, with the
    platform settings. Returns nothing; a plugin that raises is reported, not fatal."""


@hookspec
def erp_background_services(settings: Any, sessions: Any, plugins: Any) -> list[Any]:  # type: ignore[empty-body]
    """Called once when an API process starts (`erp serve`, each worker process), with the
    platform settings, its platform-level session factory (no company fixed) and the loaded
    `Plugins`. Return a list of `core.plugins.BackgroundService`: the process starts them in
    plugin order before it serves and stops them, last first, when it shuts down. A service
    may offer a trigger `dispatcher`, to which the API hands manual retries. A hook or a
    service start that raises is reported against its plugin, not fatal."""


@hookspec
def erp_event_recorded(event: Any) -> None:
    """Called in the background side after a domain event has been committed and handed
    to trigger processing (the outbox row, read-only). Returns nothing."""
