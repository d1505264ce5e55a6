"""Check field definitions (task fields, table schemas, dataset sections) against the field
types, listing every problem, and turn them into the SDK's FieldDefinition."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from core.errors import FieldProblem, ValidationFailed
from core.plugins.fields import FieldDefinition, FieldType, Option, Validation
from core.schema.registry import field_types

FIELD_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
MAX_FIELDS = 500
MAX_PATTERN = 500
COMMON_KEYS = frozenset(
    {"id", "type", "label", "placeholder", "required", "validation", "options", "settings"}
    | {"indexed", "description", "helpText", "defaultValue"}
)
"""What a definition may hold besides UI-only keys; unknown keys are kept but not interpreted."""


def check_field_definitions(
    fields: Any,
    *,
    where: str = "fields",
    types: Mapping[str, FieldType] | None = None,
) -> None:
    """Raise ValidationFailed listing every problem of the definitions (unknown type, bad
    settings or validation, duplicate ids, options missing...); return None when they are fine."""
    parse_definitions(fields, where=where, types=types)


def parse_definitions(
    fields: Any,
    *,
    where: str = "fields",
    types: Mapping[str, FieldType] | None = None,
) -> list[FieldDefinition]:
    """The checked definitions; raises ValidationFailed with every problem."""
    types = field_types() if types is None else types
    problems: list[FieldProblem] = []
    if not isinstance(fields, list):
        raise ValidationFailed(
            [FieldProblem(where, "must be a list of field definitions", "invalid_type")]
        )
    if len(fields) > MAX_FIELDS:
        raise ValidationFailed([FieldProblem(where, f"at most {MAX_FIELDS} fields", "too_many")])
    parsed: list[FieldDefinition] = []
    seen: set[str] = set()
    for index, raw in enumerate(fields):
        at = f"{where}[{index}]"
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str) and raw_id in seen:
            problems.append(
                FieldProblem(f"{at}.id", f"duplicate field id {raw_id!r}", "duplicate_id")
            )
            continue
        if isinstance(raw_id, str):
            seen.add(raw_id)
        definition = _parse_one(raw, at, types, problems)
        if definition is not None:
            parsed.append(definition)
    if problems:
        raise ValidationFailed(problems, "The field definitions are invalid")
    return parsed


def _parse_one(
    raw: Any, at: str, types: Mapping[str, FieldType], problems: list[FieldProblem]
) -> FieldDefinition | None:
    if not isinstance(raw, dict):
        problems.append(FieldProblem(at, "must be an object", "invalid_type"))
        return None
    before = len(problems)

    def bad(key: str, message: str, code: str = "invalid_definition") -> None:
        problems.append(FieldProblem(f"{at}.{key}" if key else at, message, code))

    field_id = raw.get("id")
    if not isinstance(field_id, str) or not FIELD_ID.match(field_id):
        bad("id", "must be text of letters, digits, _ or -, starting with a letter or _ (max 64)")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        bad("label", "is required")
    type_name = raw.get("type")
    field_type = types.get(type_name) if isinstance(type_name, str) else None
    if field_type is None:
        known = ", ".join(sorted(types))
        bad("type", f"unknown field type {type_name!r}; known types: {known}", "unknown_type")
    for key in ("required", "indexed"):
        if key in raw and not isinstance(raw[key], bool):
            bad(key, "must be true or false", "invalid_type")
    placeholder = raw.get("placeholder")
    if placeholder is not None and not isinstance(placeholder, str):
        bad("placeholder", "must be text", "invalid_type")
    if field_type is None:
        return None

    validation = _validation(raw.get("validation"), field_type, bad)
    options = _options(raw.get("options"), field_type, bad)
    settings = _settings(raw.get("settings"), field_type, bad)
    if len(problems) > before:
        return None
    definition = FieldDefinition(
        id=str(field_id),
        type=field_type.name,
        label=str(label),
        required=bool(raw.get("required", False)),
        placeholder=placeholder,
        validation=validation,
        options=options,
        settings=settings,
        indexed=bool(raw.get("indexed", False)),
        raw=raw,
    )
    for issue in field_type.check_definition(definition):
        bad(issue.path, issue.message, issue.code)
    return None if len(problems) > before else definition


def _validation(raw: Any, field_type: FieldType, bad: Any) -> Validation:
    if raw is None:
        return Validation()
    try:
        validation = msgspec.convert(raw, Validation)
    except msgspec.ValidationError as exc:
        bad("validation", f"{exc}".replace("$.", "validation."))
        return Validation()
    given = set(msgspec.structs.asdict(validation)) - {
        k for k, v in msgspec.structs.asdict(validation).items() if v is None
    }
    for key in sorted(given - field_type.validation_keys):
        bad(f"validation.{key}", f"a {field_type.name} field has no {key!r} rule")
    for key in ("minLength", "maxLength"):
        value = getattr(validation, key)
        if value is not None and value < 0:
            bad(f"validation.{key}", "must not be negative")
    if (
        validation.minLength is not None
        and validation.maxLength is not None
        and validation.minLength > validation.maxLength
    ):
        bad("validation.minLength", "is above validation.maxLength")
    if validation.pattern is not None:
        if len(validation.pattern) > MAX_PATTERN:
            bad("validation.pattern", f"must be at most {MAX_PATTERN} characters")
        else:
            try:
                re.compile(validation.pattern)
            except re.error as exc:
                bad("validation.pattern", f"is not a valid regular expression: {exc}")
    return validation


def _options(raw: Any, field_type: FieldType, bad: Any) -> tuple[Option, ...]:
    if not field_type.has_options:
        if raw is not None:
            bad("options", f"a {field_type.name} field takes no options")
        return ()
    if not isinstance(raw, list) or not raw:
        bad(
            "options",
            f"a {field_type.name} field needs a non-empty list of options",
            "options_missing",
        )
        return ()
    options: list[Option] = []
    for i, item in enumerate(raw):
        if isinstance(item, str) and item:
            options.append(Option(item, item))
        elif isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"]:
            label = item.get("label")
            options.append(
                Option(item["value"], label if isinstance(label, str) else item["value"])
            )
        else:
            bad(f"options[{i}]", 'must be text or {"value": text, "label": text}')
    values = [o.value for o in options]
    for value in sorted({v for v in values if values.count(v) > 1}):
        bad("options", f"option {value!r} is listed twice", "duplicate_option")
    return tuple(options)


def _settings(raw: Any, field_type: FieldType, bad: Any) -> Any:
    settings_type = field_type.Settings
    if settings_type is None:
        if raw not in (None, {}):
            bad("settings", f"a {field_type.name} field takes no settings")
        return None
    try:
        return msgspec.convert({} if raw is None else raw, settings_type)
    except msgspec.ValidationError as exc:
        bad("settings", f"{exc}".replace("$.", "settings."))
        return None


def kinds_for_rules(definitions: Sequence[FieldDefinition]) -> list[dict[str, Any]]:
    """The definitions as the rule engine reads them (id, label, type)."""
    return [{"id": d.id, "label": d.label, "type": d.type} for d in definitions]
