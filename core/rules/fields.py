"""Field definitions as rules see them: lookup by id or label, and the kind of value each holds."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

Kind = Literal["number", "string", "date", "boolean", "list", "null", "any"]

KIND_OF_TYPE: dict[str, Kind] = {
    "number": "number",
    "currency": "number",
    "text": "string",
    "textarea": "string",
    "email": "string",
    "phone": "string",
    "url": "string",
    "dropdown": "string",
    # file, user and record fields hold a reference (an id or URL), compared as text
    "file": "string",
    "user": "string",
    "record": "string",
    "date": "date",
    "datetime": "date",
    "checkbox": "boolean",
    "multi-select": "list",
}

_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\Z"
)


def is_iso_date(value: Any) -> bool:
    return type(value) is str and bool(_ISO_DATE.match(value))


class FieldIndex:
    """The fields of one task or table, found by id first, then by label (case-insensitive)."""

    def __init__(self, fields: Iterable[Mapping[str, Any]]) -> None:
        self.fields = [dict(f) for f in fields]
        self._by_id = {str(f["id"]): f for f in self.fields if "id" in f}
        self._by_label: dict[str, Mapping[str, Any]] = {}
        for f in self.fields:
            label = f.get("label")
            if isinstance(label, str):
                self._by_label.setdefault(label.casefold(), f)

    def resolve(self, name: str) -> Mapping[str, Any] | None:
        return self._by_id.get(name) or self._by_label.get(name.casefold())

    def kind(self, field: Mapping[str, Any]) -> Kind:
        return KIND_OF_TYPE.get(str(field.get("type", "")), "any")

    def names(self) -> list[str]:
        return sorted(self._by_id)


def kind_of_literal(value: Any) -> Kind:
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "boolean"
    if t is int or t is float:
        return "number"
    if t is str:
        return "string"
    if t is list:
        return "list"
    return "any"


def compatible(a: Kind, b: Kind, literal_a: Any = None, literal_b: Any = None) -> bool:
    """Whether comparing values of these kinds can mean anything (dates accept ISO literals)."""
    if a in ("any", "null") or b in ("any", "null") or a == b:
        return True
    if a == "date" and b == "string":
        return is_iso_date(literal_b)
    if b == "date" and a == "string":
        return is_iso_date(literal_a)
    return False
