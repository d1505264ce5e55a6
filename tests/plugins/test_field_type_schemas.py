"""Each field type says, as JSON Schema, what settings and validation a definition may give
it, so the studio renders a field's settings from the type (plugin types alike) instead of a
form written per type; the schemas accept what the registry accepts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.plugins import FieldDefinition, FieldType, Invalid, hookimpl
from core.plugins.fields import describe
from core.plugins.manager import load_plugins
from core.schema import compile_schema


async def test_every_field_type_comes_with_its_settings_and_validation_schemas(
    client, as_developer
) -> None:
    response = await client.get("/field-types", params={"limit": 100}, headers=as_developer)
    assert response.status_code == 200, response.text
    types = {t["name"]: t for t in response.json()["items"]}

    currency = types["currency"]
    assert currency["settingsSchema"]["properties"]["currency"] == {
        "title": "Currency (ISO 4217 code)",
        "type": "string",
        "default": "USD",
    }
    assert currency["settingsSchema"]["properties"]["decimals"]["maximum"] == 4
    assert currency["validationSchema"]["properties"]["min"] == {
        "type": "number",
        "title": "Smallest value",
    }
    assert types["date"]["validationSchema"]["properties"]["max"]["format"] == "date"
    assert types["datetime"]["validationSchema"]["properties"]["max"]["format"] == "date-time"
    assert list(types["text"]["validationSchema"]["properties"]) == [
        "minLength",
        "maxLength",
        "pattern",
    ]
    assert types["record"]["settingsSchema"]["required"] == ["table"]
    # Types without settings or rules say so with null.
    assert types["checkbox"]["settingsSchema"] is None
    assert types["checkbox"]["validationSchema"] is None
    # Every property has a title to be shown under.
    for name, info in types.items():
        for schema in (info["settingsSchema"], info["validationSchema"]):
            if schema is not None:
                assert schema["type"] == "object", name
                assert all("title" in p for p in schema["properties"].values()), name


def test_settings_filled_in_as_the_schemas_say_are_accepted() -> None:
    compiled = compile_schema(
        [
            {
                "id": "amount",
                "type": "currency",
                "label": "Amount",
                "settings": {"currency": "INR", "decimals": 0},
                "validation": {"min": 1, "max": 100000},
            },
            {"id": "files", "type": "file", "label": "Files", "settings": {"maxSize": 1000}},
        ]
    )
    assert list(compiled.by_id) == ["amount", "files"]


class Swatch(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    palette: Annotated[list[str], msgspec.Meta(title="Colours offered")] = []
    allow_custom: bool = False


class Colour(FieldType):
    name = "colour"
    label = "Colour"
    Settings = Swatch
    validation_keys = frozenset({"pattern"})

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if not isinstance(value, str):
            raise Invalid("must be text")
        return value


class ColourPlugin:
    @hookimpl
    def erp_register_field_types(self) -> list[FieldType]:
        return [Colour()]


def test_a_plugin_field_type_gets_its_schemas_from_its_settings_struct() -> None:
    plugins = load_plugins(entry_points=False, extra=(ColourPlugin(),))
    colour = plugins.contributions.field_types["colour"]

    info = describe(colour, plugins.contributions.owner[("field_types", "colour")])

    assert info.settings_schema == {
        "type": "object",
        "properties": {
            "palette": {
                "title": "Colours offered",
                "type": "array",
                "items": {"type": "string"},
                "default": [],
            },
            "allowCustom": {"title": "Allow custom", "type": "boolean", "default": False},
        },
        "required": [],
        "additionalProperties": False,
    }
    assert info.validation_schema is not None
    assert list(info.validation_schema["properties"]) == ["pattern"]
