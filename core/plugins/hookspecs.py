"""Every hook a plugin can implement (pluggy project `erp`). Each docstring says when the
hook is called, what each argument is and what it returns. Hooks that collect contributions
return lists, which the caller flattens; a contribution that is malformed is reported and
skipped. The types named here are the plugin SDK's (`erp.sdk`), except those of the platform
hooks at the end, which the platform's own modules implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Sequence

    import click
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from core.plugins.fields import FieldType
    from core.plugins.integrations import IntegrationType
    from core.plugins.manager import Plugins
    from core.plugins.operators import RuleOperator
    from core.plugins.services import BackgroundService
    from core.plugins.settings import PluginSettings
    from core.settings import Settings
    from core.triggers.actions import Action, EventInfo

PROJECT = "erp"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- Contributions: called once when the plugins are loaded --------------------------------


@hookspec
def erp_register_field_types() -> Sequence[FieldType]:  # type: ignore[empty-body]
    """Return the field types that task fields, table columns and dataset fields may name in
    their `type`.

    :return: `FieldType` instances. One whose name is already taken, that has no name, that
        does not implement `clean`, or that is not a `FieldType`, is reported and skipped.
    """


@hookspec
def erp_register_actions() -> Sequence[Action]:  # type: ignore[empty-body]
    """Return the trigger actions that triggers and integration workflows may run.

    :return: `Action` descriptors (a `name`, a msgspec Struct `config` type, an async
        `run(context, config)`). An item with no name or no callable `run`, or a name
        already taken, is reported and skipped.
    """


@hookspec
def erp_register_integrations() -> Sequence[IntegrationType]:  # type: ignore[empty-body]
    """Return the integration types a company may configure.

    :return: `IntegrationType` (or `VendorIntegration`) descriptors: the settings a company
        fills in (secrets marked), and the actions and sources the integration offers.
        Malformed ones are reported and skipped.
    """


@hookspec
def erp_register_rule_operators() -> Sequence[RuleOperator]:  # type: ignore[empty-body]
    """Return extra operators every rule (trigger conditions, flow branches, form logic) may
    use.

    :return: `RuleOperator` (a name and a pure function of the evaluated arguments). A name
        that clashes with a built-in or another plugin's operator is reported and skipped.
    """


@hookspec
def erp_register_settings() -> type[PluginSettings] | None:
    """Declare the plugin's own settings. The platform reads them from the environment under
    `ERP_PLUGIN_<PREFIX>_` once the plugins are loaded and hands them to this plugin only:
    to its actions as `ActionContext.settings`, to its integrations as
    `IntegrationContext.settings`, and to its `erp_startup`. Settings that are missing or
    malformed are reported against the plugin (its actions then fail, saying why).

    :return: a subclass of `PluginSettings` that names its `prefix`, or None.
    """


@hookspec
def erp_register_commands(cli: click.Group) -> None:
    """Called once when the `erp` command line starts: add commands to it.

    :param cli: the `erp` command group; call `cli.add_command(...)` with click commands or
        groups.
    """


# -- Life cycle and events -----------------------------------------------------------------


@hookspec
def erp_startup(settings: PluginSettings | None) -> None:
    """Called once when a platform process (API, worker, scheduler) has started. A plugin that
    raises is reported, not fatal.

    :param settings: this plugin's own settings (see `erp_register_settings`), or None when
        it declares none or they could not be read.
    """


@hookspec
def erp_event_recorded(event: EventInfo) -> None:
    """Called in the background side after a domain event has been committed and handed to
    trigger processing (once per event and worker that admitted it). Returns nothing; keep it
    quick, it runs on the worker's event loop.

    :param event: the event, as a frozen value: `id`, `type` (an `EventType`), `company_id`,
        `data` (the payload), `occurred_at`, `chain_depth`, and what it is about (`task_id`,
        `flow_id`, `table_id`, `trigger_id`).
    """


# -- Platform hooks: for the platform's own modules (scheduler, secrets vault); they receive
# -- platform-level objects, so they are not part of the plugin SDK. ----------------------


@hookspec
def erp_platform_startup(settings: Settings) -> None:
    """Called once when a platform process has started, before any plugin's `erp_startup`.

    :param settings: the platform settings (with its secrets).
    """


@hookspec
def erp_background_services(  # type: ignore[empty-body]
    settings: Settings, sessions: async_sessionmaker[AsyncSession], plugins: Plugins
) -> Sequence[BackgroundService]:
    """Called once when an API process starts (`erp serve`, each worker process). The process
    starts the services in plugin order before it serves and stops them, last first, when it
    shuts down. A service may offer a trigger `dispatcher`, to which the API hands manual
    retries. A hook or a service start that raises is reported against its plugin, not fatal.

    :param settings: the platform settings.
    :param sessions: the process's platform-level session factory (no company fixed).
    :param plugins: the loaded plugins.
    :return: `BackgroundService` objects.
    """
