"""The plugin SDK's one face: the built-in plugins import nothing of the platform but
`erp.sdk`; every hook is typed with the SDK's types and documents each of its arguments;
a plugin's settings are read from the environment under its own prefix only."""

from __future__ import annotations

import ast
import inspect
import typing
from datetime import date
from pathlib import Path

import msgspec
import pytest

import erp.sdk
from core.plugins import hookspecs
from core.plugins.manager import load_plugins
from core.plugins.settings import read_plugin_settings
from erp.sdk import PluginSettings, PluginSettingsInvalid, hookimpl

REPO = Path(__file__).resolve().parents[2]
PLATFORM = ("core", "api", "scheduler", "migrations", "tests", "bench")
PLATFORM_HOOKS = {"erp_platform_startup", "erp_background_services"}


def platform_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [m for m in modules if m.split(".")[0] in PLATFORM]
    return found


def test_the_built_in_plugins_import_only_the_sdk_of_the_platform() -> None:
    offenders = {
        str(path.relative_to(REPO)): imports
        for path in sorted((REPO / "plugins").rglob("*.py"))
        if (imports := platform_imports(path))
    }
    assert offenders == {}


def test_the_plugin_template_imports_only_the_sdk_of_the_platform() -> None:
    source = REPO / "plugin-template" / "template" / "src"
    files = sorted(source.rglob("*.py.jinja"))
    assert files
    for path in files:
        text = path.read_text().replace("{{ package_name }}", "package")
        assert [m for m in _imported(text) if m.split(".")[0] in PLATFORM] == [], path.name


def _imported(text: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
    return out


def plugin_hooks() -> list[str]:
    return sorted(
        name
        for name, fn in vars(hookspecs).items()
        if name.startswith("erp_") and callable(fn) and name not in PLATFORM_HOOKS
    )


def hook_types(name: str) -> dict[str, object]:
    """The resolved annotations of hook `name` (its TYPE_CHECKING imports made real)."""
    import click
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from core.plugins.manager import Plugins
    from core.settings import Settings

    namespace = {
        **vars(erp.sdk),
        "Sequence": typing.Sequence,
        "click": click,
        "AsyncSession": AsyncSession,
        "async_sessionmaker": async_sessionmaker,
        "Plugins": Plugins,
        "Settings": Settings,
    }
    return typing.get_type_hints(getattr(hookspecs, name), globalns=namespace)


def sdk_types(annotation: object) -> set[object]:
    args = typing.get_args(annotation)
    if not args:
        return {annotation}
    return set().union(*(sdk_types(a) for a in args))


@pytest.mark.parametrize("name", plugin_hooks())
def test_every_plugin_hook_is_typed_with_the_sdks_types_and_documents_its_arguments(
    name: str,
) -> None:
    fn = getattr(hookspecs, name)
    types = hook_types(name)
    parameters = list(inspect.signature(fn).parameters)
    assert set(types) == {*parameters, "return"}, "every argument and the return are typed"
    exported = [getattr(erp.sdk, n) for n in erp.sdk.__all__]
    for annotation in types.values():
        for kind in sdk_types(annotation):
            if kind in (type(None), typing.Sequence, type):
                continue
            assert any(kind is e for e in exported), f"{name}: {kind} is not in erp.sdk"
    doc = inspect.getdoc(fn) or ""
    for parameter in parameters:
        assert f":param {parameter}:" in doc, f"{name} does not document {parameter}"
    if types["return"] is not type(None):
        assert ":return:" in doc


def test_the_platform_hooks_document_their_arguments_too() -> None:
    for name in PLATFORM_HOOKS:
        fn = getattr(hookspecs, name)
        doc = inspect.getdoc(fn) or ""
        for parameter in inspect.signature(fn).parameters:
            assert f":param {parameter}:" in doc, f"{name} does not document {parameter}"


def test_the_sdk_exports_exactly_what_it_lists() -> None:
    for name in erp.sdk.__all__:
        assert hasattr(erp.sdk, name), name


class ShopSettings(PluginSettings, frozen=True):
    prefix = "SHOP"
    api_token: str
    timeout: float = 10.0
    retries: int = 2
    sandbox: bool = False
    regions: list[str] = []
    opens: date | None = None


def test_a_plugins_settings_are_read_under_its_prefix_and_converted() -> None:
    settings = read_plugin_settings(
        ShopSettings,
        {
            "ERP_PLUGIN_SHOP_API_TOKEN": "tok-123",
            "ERP_PLUGIN_SHOP_TIMEOUT": "2.5",
            "ERP_PLUGIN_SHOP_RETRIES": "5",
            "ERP_PLUGIN_SHOP_SANDBOX": "true",
            "ERP_PLUGIN_SHOP_REGIONS": '["eu", "in"]',
            "ERP_PLUGIN_SHOP_OPENS": "2025-01-31",
            "SHOP_API_TOKEN": "not under the prefix",
        },
    )
    assert settings == ShopSettings(
        api_token="tok-123",
        timeout=2.5,
        retries=5,
        sandbox=True,
        regions=["eu", "in"],
        opens=date(2025, 1, 31),
    )
    with pytest.raises(AttributeError):
        settings.retries = 3  # type: ignore[misc]


def test_a_missing_or_malformed_setting_is_named_by_its_variable() -> None:
    with pytest.raises(PluginSettingsInvalid, match="ERP_PLUGIN_SHOP_API_TOKEN is required"):
        read_plugin_settings(ShopSettings, {})
    with pytest.raises(PluginSettingsInvalid, match="ERP_PLUGIN_SHOP_RETRIES"):
        read_plugin_settings(
            ShopSettings, {"ERP_PLUGIN_SHOP_API_TOKEN": "t", "ERP_PLUGIN_SHOP_RETRIES": "many"}
        )


def test_no_prefix_reaches_the_platforms_own_variables() -> None:
    class Sneaky(PluginSettings, frozen=True):
        prefix = ""
        secret_key: str = ""

    class Lower(PluginSettings, frozen=True):
        prefix = "shop"

    for kind in (Sneaky, Lower):
        with pytest.raises(PluginSettingsInvalid, match="prefix"):
            read_plugin_settings(kind, {"ERP_SECRET_KEY": "s" * 40})
    with pytest.raises(PluginSettingsInvalid, match="not a PluginSettings"):
        read_plugin_settings(msgspec.Struct, {})  # type: ignore[type-var]


class Shop:
    __name__ = "shop"

    @hookimpl
    def erp_register_settings(self) -> type[PluginSettings]:
        return ShopSettings


def test_the_manager_keeps_each_plugins_settings_and_reports_bad_ones() -> None:
    plugins = load_plugins(
        entry_points=False,
        builtins=(),
        extra=(Shop(),),
        environ={"ERP_PLUGIN_SHOP_API_TOKEN": "t", "ERP_SECRET_KEY": "s" * 40},
    )
    assert plugins.settings == {"shop": ShopSettings(api_token="t")}
    assert plugins.info("shop").problems == []

    broken = load_plugins(entry_points=False, builtins=(), extra=(Shop(),), environ={})
    assert broken.settings == {}
    assert broken.info("shop").problems == ["settings: ERP_PLUGIN_SHOP_API_TOKEN is required"]


def test_an_integrations_and_an_actions_plugin_settings_are_found_by_what_they_provide() -> None:
    from erp.sdk import Action, ConfigField, IntegrationType

    class Config(msgspec.Struct):
        pass

    async def run(context: object, config: Config) -> None:
        return None

    class Store:
        __name__ = "store"

        @hookimpl
        def erp_register_settings(self) -> type[PluginSettings]:
            return ShopSettings

        @hookimpl
        def erp_register_actions(self) -> list[Action]:
            return [Action(name="store_sync", config=Config, run=run)]

        @hookimpl
        def erp_register_integrations(self) -> list[IntegrationType]:
            return [IntegrationType(name="STORE", label="Store", config=(ConfigField("a", "A"),))]

    plugins = load_plugins(
        entry_points=False,
        builtins=(),
        extra=(Store(),),
        environ={"ERP_PLUGIN_SHOP_API_TOKEN": "t"},
    )
    expected = ShopSettings(api_token="t")
    assert plugins.settings_of("integrations", "STORE") == expected
    assert plugins.settings_of("actions", "store_sync") == expected
    assert plugins.settings_of("actions", "someone_elses") is None

    from core.triggers.registry import ActionRegistry

    assert ActionRegistry.from_plugins(plugins).settings_for("store_sync") == expected
