"""The field type a plugin contributes: how a field is configured, and how its values are checked.

A field definition (a task field, a table column, a dataset field) names its type; the schema
registry checks the definition against the type once, then calls `clean` on every value.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import msgspec

from core.plugins.forms import form_schema, title_of

ValueKind = Literal["string", "number", "date", "boolean", "list"]
"""How rules, sorting and indexes see a value: the same words as the rule engine's kinds."""


class Invalid(Exception):
    """Raised by `FieldType.clean` when a value does not fit; `code` is stable."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with a field definition; `path` is relative to the field ("settings.step")."""

    message: str
    code: str = "invalid_definition"
    path: str = ""


class Validation(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The seed's `validation` object; a field type says which keys it understands."""

    minLength: int | None = None
    maxLength: int | None = None
    min: int | float | str | None = None
    max: int | float | str | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a dropdown or multi-select: `value` is stored, `label` is shown."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    """A checked field definition, as the registry hands it to its field type."""

    id: str
    type: str
    label: str
    required: bool = False
    placeholder: str | None = None
    validation: Validation = field(default_factory=Validation)
    options: tuple[Option, ...] = ()
    settings: Any = None
    """An instance of the type's `Settings` struct (None when the type has no settings)."""
    indexed: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @property
    def compiled_pattern(self) -> re.Pattern[str] | None:
        pattern = self.validation.pattern
        return _compiled(pattern) if pattern else None


_patterns: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _patterns.get(pattern)
    if compiled is None:
        compiled = _patterns[pattern] = re.compile(pattern)
    return compiled


@dataclass(frozen=True, slots=True)
class Reference:
    """Something a value points at that only the database can confirm."""

    kind: Literal["file", "user", "record"]
    id: str
    table: str | None = None
    """For records: the name of the custom table the row must belong to."""


@dataclass(frozen=True, slots=True)
class FileInfo:
    """An uploaded file of the company, as a file field sees it."""

    id: str
    name: str
    mimetype: str
    size: int


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user of the company, as a user field sees it."""

    id: str
    email: str
    active: bool


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """A live (not deleted) row of a custom table, as a record field sees it."""

    id: str
    table: str


Referenced = FileInfo | UserInfo | RecordInfo


class FieldType(ABC):
    """Base of every field type. Subclasses set `name` (what `type` says in a definition) and
    implement `clean` (abstract: a type without it cannot be made); the rest has sensible
    defaults.

    - `kind`: how rules, sorting and indexes see a cleaned value.
    - `Settings`: a msgspec Struct for the definition's `settings` object (None: no settings).
    - `validation_keys`: which keys of the seed's `validation` object the type honours.
    - `has_options`: the definition must list `options` (dropdown, multi-select).
    """

    name: ClassVar[str]
    label: ClassVar[str] = ""
    kind: ClassVar[ValueKind] = "string"
    Settings: ClassVar[type[msgspec.Struct] | None] = None
    validation_keys: ClassVar[frozenset[str]] = frozenset()
    has_options: ClassVar[bool] = False

    def settings_schema(self) -> dict[str, Any] | None:
        """The JSON Schema of the definition's `settings` object, which the studio renders as
        a form (None: the type takes no settings). Made from `Settings`; titles come from each
        field's `msgspec.Meta(title=...)`. A type may return a schema of its own."""
        return form_schema(self.Settings) if self.Settings is not None else None

    def validation_schema(self) -> dict[str, Any] | None:
        """The JSON Schema of the `validation` keys the type honours (None: it has none);
        `min` and `max` are numbers or ISO dates as the type's kind says."""
        if not self.validation_keys:
            return None
        bound: dict[str, Any] = (
            {"type": "number"}
            if self.kind == "number"
            else {"type": "string", "format": "date"}
            if self.kind == "date"
            else {"type": "string"}
        )
        known: dict[str, dict[str, Any]] = {
            "min": {**bound, "title": "Smallest value"},
            "max": {**bound, "title": "Largest value"},
            "minLength": {"type": "integer", "minimum": 0, "title": "Shortest length"},
            "maxLength": {"type": "integer", "minimum": 0, "title": "Longest length"},
            "pattern": {
                "type": "string",
                "format": "regex",
                "title": "Pattern (regular expression the whole value must match)",
            },
        }
        order = list(known)
        keys = sorted(self.validation_keys, key=lambda k: (order.index(k) if k in known else 99, k))
        return {
            "type": "object",
            "properties": {k: known.get(k, {"title": title_of(k)}) for k in keys},
            "additionalProperties": False,
        }

    def value_kind(self, definition: FieldDefinition) -> ValueKind:
        """The kind of this field's values (a type may depend on its settings)."""
        return self.kind

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        """Problems the generic checks cannot see (say min above max in settings)."""
        return ()

    @abstractmethod
    def clean(self, value: Any, definition: FieldDefinition) -> Any:
        """Return the value to store (normalised), or raise Invalid. Never called with an
        empty value: the registry handles `required` and emptiness itself."""

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        """Turn a CSV cell into a value for `clean` (text types take it as it is)."""
        return text

    def format_text(self, value: Any, definition: FieldDefinition) -> str:
        """Turn a stored value into a CSV cell; `parse_text` must read it back."""
        return "" if value is None else str(value)

    def check_text_rules(self, text: str, definition: FieldDefinition) -> str:
        """Apply `minLength`, `maxLength` and `pattern` (the whole text must match)."""
        rules = definition.validation
        if rules.minLength is not None and len(text) < rules.minLength:
            raise Invalid(f"must be at least {rules.minLength} characters", "too_short")
        if rules.maxLength is not None and len(text) > rules.maxLength:
            raise Invalid(f"must be at most {rules.maxLength} characters", "too_long")
        pattern = definition.compiled_pattern
        if pattern is not None and not pattern.fullmatch(text):
            raise Invalid(f"does not match the pattern {pattern.pattern}", "pattern_mismatch")
        return text

    def check_bounds(self, value: Any, definition: FieldDefinition) -> Any:
        """Apply `min` and `max` to a value that compares with them (numbers, ISO dates)."""
        low, high = definition.validation.min, definition.validation.max
        if low is not None and value < low:
            raise Invalid(f"must be at least {low}", "below_minimum")
        if high is not None and value > high:
            raise Invalid(f"must be at most {high}", "above_maximum")
        return value

    def is_empty(self, value: Any) -> bool:
        """Whether a cleaned value fails `required` (a checkbox: unticked)."""
        return value is None or value == "" or value == []

    def references(self, value: Any, definition: FieldDefinition) -> Iterable[Reference]:
        """What a cleaned value points at (files, users, records) for the registry to look up."""
        return ()

    def check_references(
        self,
        value: Any,
        definition: FieldDefinition,
        found: Mapping[Reference, Referenced | None],
    ) -> Iterable[Invalid]:
        """Problems with what `references` pointed at; `found` maps each reference to what the
        company has (None: it does not exist or is not the company's)."""
        return ()


@dataclass(frozen=True, slots=True)
class FieldTypeInfo:
    """What `GET /field-types` says about a field type."""

    name: str
    label: str
    kind: str
    settings: list[str]
    validation: list[str]
    options: bool
    plugin: str = ""
    settings_schema: dict[str, Any] | None = None
    validation_schema: dict[str, Any] | None = None


def describe(field_type: FieldType, plugin: str = "") -> FieldTypeInfo:
    settings_type = field_type.Settings
    settings = (
        [f.encode_name for f in msgspec.structs.fields(settings_type)] if settings_type else []
    )
    return FieldTypeInfo(
        name=field_type.name,
        label=field_type.label or field_type.name,
        kind=field_type.kind,
        settings=settings,
        validation=sorted(field_type.validation_keys),
        options=field_type.has_options,
        plugin=plugin,
        settings_schema=field_type.settings_schema(),
        validation_schema=field_type.validation_schema(),
    )
