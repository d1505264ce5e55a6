"""The plugin manager: loads built-in and third-party plugins and says what each provides."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

import pluggy

from core.plugins import hookspecs

log = logging.getLogger(__name__)

BUILTIN_PLUGINS: tuple[str, ...] = ("api.commands",)
"""Built-in plugins, registered by module name exactly as third-party ones are."""

ENTRY_POINT_GROUP = "erp"


@dataclass(slots=True)
class PluginInfo:
    """One plugin as `erp plugins` and `GET /plugins` show it."""

    name: str
    version: str | None
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class Plugins:
    """The loaded plugin manager and the record of every plugin tried, failed ones included."""

    manager: pluggy.PluginManager
    infos: list[PluginInfo]

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.manager.hook


def load_plugins(
    *, entry_points: bool = True, extra: tuple[ModuleType | object, ...] = ()
) -> Plugins:
    """Create a manager with the hook specs, the built-in plugins, the `erp` entry-point
    group and `extra` plugin objects. A plugin that fails to import is recorded, not fatal."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    for module_name in BUILTIN_PLUGINS:
        infos.append(
            _register(
                pm,
                module_name,
                lambda m=module_name: importlib.import_module(m),
                builtin=True,
                version=None,
            )
        )
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            version = ep.dist.version if ep.dist else None
            infos.append(_register(pm, ep.name, ep.load, builtin=False, version=version))
    for obj in extra:
        name = getattr(obj, "__name__", type(obj).__name__)
        infos.append(_register(pm, name, lambda o=obj: o, builtin=False, version=None))
    return Plugins(pm, infos)


def _register(
    pm: pluggy.PluginManager, name: str, load: object, *, builtin: bool, version: str | None
) -> PluginInfo:
    info = PluginInfo(name=name, version=version, builtin=builtin)
    try:
        plugin = load()  # type: ignore[operator]
        pm.register(plugin, name=name)
    except Exception as exc:  # a broken plugin must not take the platform down
        info.error = f"{type(exc).__name__}: {exc}"
        log.error("plugin %s failed to load: %s", name, info.error)
        return info
    info.hooks = sorted(impl.name for impl in pm.get_hookcallers(plugin) or [])
    return info


@lru_cache(maxsize=1)
def get_plugins() -> Plugins:
    """The process-wide plugins, loaded on first use."""
    return load_plugins()
