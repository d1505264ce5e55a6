"""The actions that loaded plugins provide, found by name."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from core.plugins.manager import Plugins, get_plugins
from core.plugins.settings import PluginSettings
from core.triggers.actions import Action
from core.triggers.errors import UnknownAction

log = logging.getLogger(__name__)


class ActionRegistry:
    """Actions by name; built from the plugins' `erp_register_actions` contributions."""

    def __init__(
        self,
        actions: Iterable[Action],
        settings: Mapping[str, PluginSettings | None] | None = None,
    ) -> None:
        self._actions: dict[str, Action] = {a.name: a for a in actions}
        self._settings = dict(settings or {})

    @classmethod
    def from_plugins(cls, plugins: Plugins) -> ActionRegistry:
        found: Mapping[str, Any] = plugins.contributions.actions
        actions = []
        for name, item in found.items():
            if isinstance(item, Action):
                actions.append(item)
            else:
                log.error("action %s is not an erp.sdk.Action; skipped", name)
        settings = {a.name: plugins.settings_of("actions", a.name) for a in actions}
        return cls(actions, settings)

    def settings_for(self, name: str) -> PluginSettings | None:
        """The settings of the plugin that provides the action `name`."""
        return self._settings.get(name)

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            known = ", ".join(sorted(self._actions)) or "none"
            raise UnknownAction(f"unknown action type {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._actions)

    def describe(self) -> list[dict[str, Any]]:
        """Name, description and config JSON schema of every action (for the API)."""
        return [
            {"name": a.name, "description": a.description, "configSchema": a.json_schema()}
            for a in sorted(self._actions.values(), key=lambda a: a.name)
        ]


@lru_cache(maxsize=1)
def get_action_registry() -> ActionRegistry:
    """The process-wide registry over the process-wide plugins."""
    return ActionRegistry.from_plugins(get_plugins())
