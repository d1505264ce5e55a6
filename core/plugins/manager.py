"""The plugin manager: loads built-in and third-party plugins and says what each provides."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import pluggy

from core.plugins import hookspecs
from core.plugins.contributions import Contributions, collect
from core.plugins.services import BackgroundService, RunningServices, start_services
from core.plugins.settings import PluginSettings, PluginSettingsInvalid, read_plugin_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from core.settings import Settings

log = logging.getLogger(__name__)

BUILTIN_PLUGINS: tuple[str, ...] = (
    "plugins.fields.text",
    "plugins.fields.numbers",
    "plugins.fields.dates",
    "plugins.fields.contact",
    "plugins.fields.choices",
    "plugins.fields.references",
    "plugins.actions.email",
    "plugins.actions.http",
    "plugins.actions.records",
    "plugins.actions.notify",
    "plugins.actions.flows",
    "plugins.actions.noop",
    "core.integrations.trigger_action",
    "plugins.integrations.sheets",
    "plugins.integrations.gmail",
    "plugins.integrations.tally",
    "plugins.integrations.zoho",
    "plugins.integrations.outlook",
    "plugins.integrations.webhook",
    "plugins.integrations.custom_api",
    "core.integrations.commands",
)
"""Built-in plugins, registered by module name exactly as third-party ones are."""

ENTRY_POINT_GROUP = "erp"
PROCESS_ENTRY_POINT_GROUP = "erp.commands"
"""Built-in plugins of the processes above the core, which add their commands to `erp`
(`erp serve`; the worker, relay and scheduler with the API's background services). The
platform's own distribution declares them as entry points: the core names no module of
`api` or `scheduler`."""


@dataclass(slots=True)
class PluginInfo:
    """One plugin as `erp plugins` and `GET /plugins` show it."""

    name: str
    version: str | None
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the plugin could not be loaded at all (it is then not registered)."""
    provides: dict[str, list[str]] = field(default_factory=dict)
    """Names of what it contributes, by kind: field_types, actions, integrations, rule_operators."""
    problems: list[str] = field(default_factory=list)
    """Contributions that were malformed or clashed, and were skipped."""


@dataclass(slots=True)
class Plugins:
    """The loaded plugin manager, what the plugins contribute, and the record of every plugin
    tried, failed ones included."""

    manager: pluggy.PluginManager
    infos: list[PluginInfo]
    contributions: Contributions = field(default_factory=Contributions)
    settings: dict[str, PluginSettings] = field(default_factory=dict)
    """Each plugin's own settings (`erp_register_settings`), by plugin name."""

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.manager.hook

    def info(self, name: str) -> PluginInfo:
        return next(i for i in self.infos if i.name == name)

    def settings_of(self, kind: str, name: str) -> PluginSettings | None:
        """The settings of the plugin that contributed `name` of `kind` ("actions",
        "integrations"...), or None."""
        owner = self.contributions.owner.get((kind, name))
        return None if owner is None else self.settings.get(owner)

    def startup(self, settings: Settings) -> None:
        """Run the platform modules' `erp_platform_startup` with the platform settings, then
        every plugin's `erp_startup` with its own; one that raises is reported in its info."""
        for impl in self.manager.hook.erp_platform_startup.get_hookimpls():
            self._start(impl, "erp_platform_startup", settings)
        for impl in self.manager.hook.erp_startup.get_hookimpls():
            self._start(impl, "erp_startup", self.settings.get(impl.plugin_name))

    def _start(self, impl: pluggy.HookImpl, hook: str, settings: object) -> None:
        try:
            impl.function(settings=settings)
        except Exception as exc:  # a broken plugin must not take the platform down
            self._problem(impl.plugin_name, f"{hook} raised {type(exc).__name__}: {exc}")

    async def start_services(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession]
    ) -> RunningServices:
        """Start the background services every plugin's `erp_background_services` returns
        (call on the process's event loop; `stop()` the result at shutdown). A hook that
        raises, an item that is not a service, or a service that fails to start is
        reported in its plugin's info and left out."""
        offered: list[tuple[str, BackgroundService]] = []
        arguments = {"settings": settings, "sessions": sessions, "plugins": self}
        for impl in self.manager.hook.erp_background_services.get_hookimpls():
            try:
                items = impl.function(
                    **{name: arguments[name] for name in impl.argnames if name in arguments}
                )
            except Exception as exc:  # a broken plugin must not take the platform down
                self._problem(
                    impl.plugin_name, f"erp_background_services raised {type(exc).__name__}: {exc}"
                )
                continue
            for item in cast("list[Any]", items or []):
                if isinstance(item, BackgroundService):
                    offered.append((impl.plugin_name, item))
                else:
                    self._problem(impl.plugin_name, f"not a background service: {item!r}")
        return await start_services(offered, self._problem)

    def _problem(self, plugin: str, message: str) -> None:
        log.error("plugin %s: %s", plugin, message)
        self.info(plugin).problems.append(message)


def load_plugins(
    *,
    entry_points: bool = True,
    extra: tuple[ModuleType | object, ...] = (),
    builtins: tuple[str, ...] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Plugins:
    """Create a manager with the hook specs, the built-in plugins (those of the core and
    plugins/, then the processes' from `erp.commands`), the `erp` entry-point group and
    `extra` plugin objects, then collect and check their contributions and read
    each plugin's settings from `environ` (the process's environment by default). A plugin
    that fails to import, contributes something malformed, or whose settings cannot be read,
    is recorded, not fatal."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    platform_version = _platform_version()
    for module_name in BUILTIN_PLUGINS if builtins is None else builtins:
        infos.append(
            _register(
                pm,
                module_name,
                partial(importlib.import_module, module_name),
                builtin=True,
                version=platform_version,
            )
        )
    if builtins is None:
        for ep in importlib.metadata.entry_points(group=PROCESS_ENTRY_POINT_GROUP):
            infos.append(_register(pm, ep.name, ep.load, builtin=True, version=platform_version))
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            version = ep.dist.version if ep.dist else None
            infos.append(_register(pm, ep.name, ep.load, builtin=False, version=version))
    for obj in extra:
        name = getattr(obj, "__name__", type(obj).__name__)
        infos.append(_register(pm, name, partial(_itself, obj), builtin=False, version=None))
    contributions, provides, problems = collect(pm)
    settings = _read_settings(pm, os.environ if environ is None else environ, problems)
    for info in infos:
        info.provides = provides.get(info.name, {})
        info.problems = problems.get(info.name, [])
    return Plugins(pm, infos, contributions, settings)


def _read_settings(
    pm: pluggy.PluginManager, environ: Mapping[str, str], problems: dict[str, list[str]]
) -> dict[str, PluginSettings]:
    found: dict[str, PluginSettings] = {}
    for impl in pm.hook.erp_register_settings.get_hookimpls():
        try:
            kind = cast("type[PluginSettings] | None", impl.function())
            if kind is not None:
                found[impl.plugin_name] = read_plugin_settings(kind, environ)
        except PluginSettingsInvalid as exc:
            message = f"settings: {exc}"
        except Exception as exc:  # a broken plugin must not take the platform down
            message = f"erp_register_settings raised {type(exc).__name__}: {exc}"
        else:
            continue
        log.error("plugin %s: %s", impl.plugin_name, message)
        problems.setdefault(impl.plugin_name, []).append(message)
    return found


def _itself(obj: object) -> object:
    return obj


def _platform_version() -> str | None:
    try:
        return importlib.metadata.version("erp-builder")
    except importlib.metadata.PackageNotFoundError:
        return None


def _register(
    pm: pluggy.PluginManager,
    name: str,
    load: Callable[[], object],
    *,
    builtin: bool,
    version: str | None,
) -> PluginInfo:
    info = PluginInfo(name=name, version=version, builtin=builtin)
    try:
        plugin = load()
        pm.register(plugin, name=name)
    except Exception as exc:  # a broken plugin must not take the platform down
        info.error = f"{type(exc).__name__}: {exc}"
        log.error("plugin %s failed to load: %s", name, info.error)
        return info
    info.hooks = sorted(impl.name for impl in pm.get_hookcallers(plugin) or [])
    return info


@lru_cache(maxsize=1)
def get_plugins() -> Plugins:
    """The process-wide plugins, loaded on first use; their rule operators are installed in
    the rule engine's default registry."""
    plugins = load_plugins()
    install_rule_operators(plugins)
    return plugins


def describe(info: PluginInfo) -> str:
    """One line of `erp plugins`: name, version, what it provides or why it failed."""
    kind = "built-in" if info.builtin else "third-party"
    head = f"{info.name} {info.version or '?'} ({kind})"
    if info.error:
        return f"{head}: FAILED to load - {info.error}"
    provides = "; ".join(f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in info.provides.items())
    line = f"{head}: {provides or ', '.join(info.hooks) or 'no hooks'}"
    for problem in info.problems:
        line += f"\n    skipped: {problem}"
    return line


def install_rule_operators(plugins: Plugins) -> None:
    """Add the plugins' rule operators to the rule engine; a clash is reported, not fatal."""
    from core.rules import OperatorRegistrationError, default_registry

    for name, op in plugins.contributions.rule_operators.items():
        owner = plugins.contributions.owner[("rule_operators", name)]
        existing = default_registry.get(name)
        try:
            default_registry.register(
                name,
                op.fn,
                min_args=op.min_args,
                max_args=op.max_args,
                plugin=owner,
                replace=existing is not None and existing.plugin == owner,
            )
        except OperatorRegistrationError as exc:
            log.error("plugin %s: %s (skipped)", owner, exc)
            plugins.info(owner).problems.append(str(exc))
