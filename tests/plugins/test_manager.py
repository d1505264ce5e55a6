"""Plugins are loaded by the manager: what each provides is listed, and a broken or malformed
plugin is reported against its name while the platform keeps running without it."""

from __future__ import annotations

import types
from typing import Any

import pytest
from click.testing import CliRunner

from core.cli import cli
from core.plugins import (
    ConfigField,
    FieldDefinition,
    FieldType,
    IntegrationAction,
    IntegrationType,
    Invalid,
    RuleOperator,
    hookimpl,
)
from core.plugins.manager import get_plugins, install_rule_operators, load_plugins
from core.plugins.settings import PluginSettings
from core.rules import evaluate


class Colour(FieldType):
    name = "colour"
    label = "Colour"

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if not (isinstance(value, str) and value.startswith("#") and len(value) == 7):
            raise Invalid("must be #rrggbb")
        return value.lower()


class NoClean(FieldType):
    name = "no-clean"


async def notify(context: Any, config: dict[str, Any]) -> dict[str, Any]:
    return {"sent": True}


class Notify:
    name = "ping_crm"
    config_schema: dict[str, Any] = {}
    run = staticmethod(notify)


CRM = IntegrationType(
    name="CRM",
    label="Acme CRM",
    config=(
        ConfigField("api_key", "API key", required=True, secret=True),
        ConfigField("region", "Region"),
    ),
    actions=(IntegrationAction("create_lead", "Create lead", notify),),
)


def plugin(name: str, **hooks: Any) -> types.SimpleNamespace:
    """A plugin object with the given hook implementations."""
    ns = types.SimpleNamespace(__name__=name)
    for hook, fn in hooks.items():
        setattr(ns, hook, hookimpl(specname=hook)(fn))
    return ns


GOOD = plugin(
    "good",
    erp_register_field_types=lambda: [Colour()],
    erp_register_actions=lambda: [Notify()],
    erp_register_integrations=lambda: [CRM],
    erp_register_rule_operators=lambda: [RuleOperator("double", lambda x: x * 2, 1, 1)],
)


def test_built_in_field_types_are_plugins_like_any_other() -> None:
    plugins = load_plugins(entry_points=False)
    by_name = {i.name: i for i in plugins.infos}
    assert by_name["plugins.fields.numbers"].provides == {"field_types": ["number", "currency"]}
    assert by_name["plugins.fields.numbers"].builtin
    assert len(plugins.contributions.field_types) == 15


def test_a_plugin_lists_what_it_provides() -> None:
    plugins = load_plugins(entry_points=False, extra=(GOOD,))
    info = plugins.info("good")
    assert info.provides == {
        "field_types": ["colour"],
        "actions": ["ping_crm"],
        "integrations": ["CRM"],
        "rule_operators": ["double"],
    }
    assert info.problems == [] and info.error is None
    assert plugins.contributions.integrations["CRM"].secret_fields == ("api_key",)


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_load() -> None:
    plugins = load_plugins(
        entry_points=False, builtins=("plugins.fields.text", "plugins.does_not_exist")
    )
    broken = plugins.info("plugins.does_not_exist")
    assert broken.error is not None and "ModuleNotFoundError" in broken.error
    assert set(plugins.contributions.field_types) == {"text", "textarea"}


def test_a_field_type_without_clean_cannot_be_made() -> None:
    """`clean` is abstract: the plugin author meets the omission when the type is made (and
    mypy when it is written), before any plugin loads it."""
    with pytest.raises(TypeError, match=r"abstract method '?clean"):
        NoClean()  # type: ignore[abstract]


def test_malformed_contributions_are_reported_per_plugin_and_skipped() -> None:
    def explode() -> list[Any]:
        raise RuntimeError("boom")

    bad = plugin(
        "bad",
        erp_register_field_types=lambda: ["text", Colour()],
        erp_register_actions=lambda: [object()],
        erp_register_integrations=lambda: [
            IntegrationType("BROKEN", "Broken", config=(ConfigField("x", "X", type="colour"),))  # type: ignore[arg-type]
        ],
        erp_register_rule_operators=explode,
    )
    plugins = load_plugins(entry_points=False, extra=(GOOD, bad))
    info = plugins.info("bad")
    assert info.error is None
    joined = "\n".join(info.problems)
    assert "'text' is not a FieldType" in joined
    assert "field type 'colour' is already provided by good" in joined
    assert "has no name" in joined
    assert "unknown type 'colour'" in joined
    assert "erp_register_rule_operators raised RuntimeError: boom" in joined
    assert "no-clean" not in plugins.contributions.field_types
    assert plugins.contributions.owner[("field_types", "colour")] == "good"
    assert "BROKEN" not in plugins.contributions.integrations


class LicenceSettings(PluginSettings, frozen=True):
    prefix = "LICENCED"
    seats: int = 1


def test_a_startup_hook_that_raises_is_reported_not_fatal() -> None:
    started: list[Any] = []

    def start(settings: Any) -> None:
        started.append(settings)

    def fail(settings: Any) -> None:
        raise ValueError("no licence")

    plugins = load_plugins(
        entry_points=False,
        builtins=(),
        extra=(
            plugin("starts", erp_startup=start, erp_register_settings=lambda: LicenceSettings),
            plugin("fails", erp_startup=fail),
            plugin("platform", erp_platform_startup=lambda settings: started.append(settings)),
        ),
        environ={"ERP_PLUGIN_LICENCED_SEATS": "12"},
    )
    plugins.startup("platform settings")  # type: ignore[arg-type]
    # The platform's own modules get the platform settings first, a plugin only its own.
    assert started == ["platform settings", LicenceSettings(seats=12)]
    assert plugins.info("fails").problems == ["erp_startup raised ValueError: no licence"]


def test_plugin_rule_operators_reach_the_rule_engine() -> None:
    plugins = load_plugins(entry_points=False, extra=(GOOD,))
    install_rule_operators(plugins)
    install_rule_operators(plugins)  # loading again (a reload) is not a clash
    assert evaluate({"double": [{"var": "n"}]}, {"n": 21}) == 42
    clash = plugin(
        "clash", erp_register_rule_operators=lambda: [RuleOperator("in", lambda a, b: True)]
    )
    other = load_plugins(entry_points=False, extra=(clash,))
    install_rule_operators(other)
    assert any("built in" in p for p in other.info("clash").problems)


def test_erp_plugins_lists_every_plugin_and_what_it_provides() -> None:
    get_plugins.cache_clear()
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "plugins.fields.references" in result.output
    assert "plugins.fields.references 0.1.0 (built-in): field types: file, user, record" in (
        result.output
    )
