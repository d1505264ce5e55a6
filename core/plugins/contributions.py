"""Collect what each plugin contributes through the `erp_register_*` hooks, check every item,
and keep the well-formed ones. A malformed item is reported against its plugin and skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from core.plugins.fields import FieldType
from core.plugins.integrations import IntegrationType, check_integration_type
from core.plugins.operators import RuleOperator

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Contributions:
    """Everything the loaded plugins provide, by name, and which plugin provided it."""

    field_types: dict[str, FieldType] = field(default_factory=dict)
    actions: dict[str, Any] = field(default_factory=dict)
    integrations: dict[str, IntegrationType] = field(default_factory=dict)
    rule_operators: dict[str, RuleOperator] = field(default_factory=dict)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, name) -> plugin name."""


Checker = Callable[[Any], list[str]]


def _check_field_type(item: Any) -> list[str]:
    if not isinstance(item, FieldType):
        return [f"{item!r} is not a FieldType instance"]
    problems = []
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not name:
        problems.append(f"field type {type(item).__name__} has no name")
    return problems


def _check_action(item: Any) -> list[str]:
    # The action descriptor belongs to the triggers area; what every action needs is a name
    # to be found by and an awaitable run(context, config).
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not name:
        return [f"action {item!r} has no name"]
    if not callable(getattr(item, "run", None)):
        return [f"action {name!r} has no callable run"]
    return []


def _check_integration(item: Any) -> list[str]:
    if not isinstance(item, IntegrationType):
        return [f"{item!r} is not an IntegrationType"]
    return check_integration_type(item)


def _check_operator(item: Any) -> list[str]:
    if not isinstance(item, RuleOperator):
        return [f"{item!r} is not a RuleOperator"]
    if not callable(item.fn):
        return [f"rule operator {item.name!r} is not callable"]
    return []


KINDS: dict[str, tuple[str, Checker]] = {
    "field_types": ("erp_register_field_types", _check_field_type),
    "actions": ("erp_register_actions", _check_action),
    "integrations": ("erp_register_integrations", _check_integration),
    "rule_operators": ("erp_register_rule_operators", _check_operator),
}


def collect(
    pm: pluggy.PluginManager,
) -> tuple[Contributions, dict[str, dict[str, list[str]]], dict[str, list[str]]]:
    """Call every register hook of every plugin on its own, so that each item is attributed.
    Returns the contributions, what each plugin provides ({plugin: {kind: [names]}}) and the
    problems of each plugin ({plugin: [messages]})."""
    found = Contributions()
    provides: dict[str, dict[str, list[str]]] = {}
    problems: dict[str, list[str]] = {}
    for kind, (hook_name, check) in KINDS.items():
        registry: dict[str, Any] = getattr(found, kind)
        # In registration order: built-ins first, so a plugin cannot take over their names.
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            plugin = impl.plugin_name
            try:
                items = impl.function()
            except Exception as exc:  # a broken plugin must not take the platform down
                problems.setdefault(plugin, []).append(
                    f"{hook_name} raised {type(exc).__name__}: {exc}"
                )
                continue
            if items is None:
                continue
            if not isinstance(items, list | tuple):
                problems.setdefault(plugin, []).append(f"{hook_name} must return a list")
                continue
            for item in items:
                issues = check(item)
                name = str(getattr(item, "name", ""))
                if not issues and name in registry:
                    other = found.owner[(kind, name)]
                    issues = [
                        f"{kind[:-1].replace('_', ' ')} {name!r} is already provided by {other}"
                    ]
                if issues:
                    problems.setdefault(plugin, []).extend(issues)
                    continue
                registry[name] = item
                found.owner[(kind, name)] = plugin
                provides.setdefault(plugin, {}).setdefault(kind, []).append(name)
    for plugin, messages in problems.items():
        for message in messages:
            log.error("plugin %s: %s (skipped)", plugin, message)
    return found, provides, problems
