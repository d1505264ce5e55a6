"""JSON Schemas of settings structs (a field type's settings, a trigger's settings) in the
shape form builders render best (RJSF): nested structs inlined, optional values without
their `null` alternative, every property titled, no developer docstrings."""

from __future__ import annotations

import re
from typing import Any

import msgspec

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 8


def title_of(name: str) -> str:
    """ "maxSize" -> "Max size": a title for a property whose struct gave it none."""
    words = _WORD.sub(" ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def form_schema(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """The JSON Schema of `struct` with nested structs inlined, optional properties without
    `null` (nor a null default), integer-or-float as number, and a title on every property
    (its `msgspec.Meta(title=...)`, else one made from its name). A struct's docstring is
    for developers and is left out; `Meta(description=...)` is kept."""
    generated = msgspec.json.schema(struct)
    defs: dict[str, Any] = generated.get("$defs", {})
    schema = _inline(generated, defs, 0)
    schema.pop("title", None)  # the struct's class name says nothing to a person
    return schema


def _inline(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and depth < _MAX_DEPTH:
        target = dict(defs.get(ref.rsplit("/", 1)[-1], {}))
        target.pop("title", None)
        target.pop("description", None)
        siblings = {k: v for k, v in schema.items() if k not in ("$ref", "$defs")}
        return {**_inline(target, defs, depth + 1), **siblings}
    out = {k: v for k, v in schema.items() if k != "$defs"}
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            name: {"title": title_of(name), **_inline(_simplified(prop), defs, depth + 1)}
            for name, prop in properties.items()
        }
    items = out.get("items")
    if isinstance(items, dict):
        out["items"] = _inline(items, defs, depth + 1)
    return out


def _simplified(prop: dict[str, Any]) -> dict[str, Any]:
    prop = {k: v for k, v in prop.items() if not (k == "default" and v is None)}
    options = prop.get("anyOf")
    if not isinstance(options, list):
        return prop
    rest = {k: v for k, v in prop.items() if k != "anyOf"}
    kept = [o for o in options if o.get("type") != "null"]
    if {o.get("type") for o in kept} == {"integer", "number"}:
        bounds = {k: v for o in kept for k, v in o.items() if k != "type"}
        kept = [{"type": "number", **bounds}]
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {"anyOf": kept, **rest}
