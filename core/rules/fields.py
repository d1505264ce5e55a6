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


_NOT_WORD = re.compile(r"[^0-9a-zA-Z]+")


def label_slug(label: str) -> str:
    """ "Employee Name" -> "employee_name": a label written as a name."""
    return _NOT_WORD.sub("_", label).strip("_").lower()


def field_names(field: Mapping[str, Any]) -> list[str]:
    """Every name a field goes by in conditions and templates: its id (`field_2`), its label
    (`Amount`), the label's slug (`amount`) and the seed's `field_<slug>` (`field_amount`)."""
    names = [str(field["id"])] if "id" in field else []
    label = field.get("label")
    if isinstance(label, str) and label_slug(label):
        names += [label, label_slug(label), "field_" + label_slug(label)]
    return list(dict.fromkeys(names))


def is_iso_date(value: Any) -> bool:
    return type(value) is str and bool(_ISO_DATE.match(value))


class FieldIndex:
    """The fields of one task or table, found by id first, then by any other of their names
    (`field_names`: label, its slug, `field_<slug>`; case-insensitive)."""

    def __init__(self, fields: Iterable[Mapping[str, Any]]) -> None:
        self.fields = [dict(f) for f in fields]
        self._by_id = {str(f["id"]): f for f in self.fields if "id" in f}
        self._by_label: dict[str, Mapping[str, Any]] = {}
        for f in self.fields:
            for name in field_names(f)[1:]:
                self._by_label.setdefault(name.casefold(), f)

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
