"""Integration types a plugin contributes (Gmail, Google Sheets, a webhook...): the settings an
administrator fills in, which of them are secrets, and the actions and sources it offers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.plugins.fields import Issue

ConfigType = Literal["string", "text", "integer", "number", "boolean", "url", "email", "select"]
_CONFIG_TYPES = frozenset(ConfigType.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ConfigField:
    """One setting of an integration, an action or a source. `secret` settings (API keys, OAuth
    refresh tokens) are encrypted at rest and never returned by the API."""

    name: str
    label: str
    type: ConfigType = "string"
    required: bool = False
    secret: bool = False
    description: str = ""
    options: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True, slots=True)
class IntegrationAction:
    """Something a trigger can ask the integration to do. `run(context, config)` is awaited
    exactly like a trigger action's; `config` holds the action's settings."""

    name: str
    label: str
    run: Callable[..., Awaitable[Any]]
    config: tuple[ConfigField, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class IntegrationSource:
    """Where data comes from: `poll` sources are fetched on a schedule with `fetch(context,
    config)` (returning a list of JSON objects); `webhook` sources receive pushes."""

    name: str
    label: str
    kind: Literal["poll", "webhook"] = "poll"
    fetch: Callable[..., Awaitable[list[dict[str, Any]]]] | None = None
    config: tuple[ConfigField, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class IntegrationType:
    """An integration a company can configure. `name` is what `Integration.type` stores (the
    seed's GMAIL, GOOGLE_SHEETS, ... or a plugin's own upper-case name)."""

    name: str
    label: str
    config: tuple[ConfigField, ...] = ()
    actions: tuple[IntegrationAction, ...] = ()
    sources: tuple[IntegrationSource, ...] = ()
    description: str = ""

    @property
    def secret_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.config if f.secret)

    def check_config(self, config: Mapping[str, Any]) -> list[Issue]:
        """Every problem of a company's settings for this integration (missing, unknown, wrong
        type); an empty list means it can be saved."""
        return check_config(self.config, config)


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "text": (str,),
    "url": (str,),
    "email": (str,),
    "select": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def check_config(fields: tuple[ConfigField, ...], config: Mapping[str, Any]) -> list[Issue]:
    """Check settings against their declared fields; every problem is listed."""
    issues: list[Issue] = []
    known = {f.name: f for f in fields}
    for name in config:
        if name not in known:
            issues.append(Issue(f"unknown setting {name!r}", "unknown_setting", name))
    for f in fields:
        value = config.get(f.name)
        if value is None or value == "":
            if f.required:
                issues.append(Issue(f"{f.label} is required", "required", f.name))
            continue
        wanted = _PYTHON_TYPES[f.type]
        if isinstance(value, bool) and bool not in wanted:
            wanted = ()
        if not isinstance(value, wanted):
            issues.append(Issue(f"{f.label} must be of type {f.type}", "invalid_type", f.name))
        elif f.type == "select" and value not in f.options:
            issues.append(
                Issue(f"{f.label} must be one of {', '.join(f.options)}", "not_an_option", f.name)
            )
    return issues


def check_integration_type(integration: IntegrationType) -> list[str]:
    """Why a contributed integration type is malformed (empty list: it is fine)."""
    problems: list[str] = []
    if not integration.name or not isinstance(integration.name, str):
        problems.append("integration type has no name")
    for where, fields in [("config", integration.config)] + [
        (f"action {a.name}", a.config) for a in integration.actions
    ]:
        for f in fields:
            if not isinstance(f, ConfigField):
                problems.append(f"{where}: {f!r} is not a ConfigField")
            elif f.type not in _CONFIG_TYPES:
                problems.append(f"{where}: setting {f.name!r} has unknown type {f.type!r}")
            elif f.type == "select" and not f.options:
                problems.append(f"{where}: select setting {f.name!r} lists no options")
    for action in integration.actions:
        if not isinstance(action, IntegrationAction) or not callable(action.run):
            problems.append(f"action {getattr(action, 'name', action)!r} has no callable run")
    for source in integration.sources:
        if not isinstance(source, IntegrationSource):
            problems.append(f"source {source!r} is not an IntegrationSource")
        elif source.kind == "poll" and not callable(source.fetch):
            problems.append(f"poll source {source.name!r} has no callable fetch")
    return problems
