"""A schema compiled once: the checked field definitions, their show/hide/require logic and
the form's cross-field validations, ready to clean any number of submissions or records."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import FieldProblem, ValidationFailed
from core.plugins.fields import FieldDefinition, FieldType, Invalid, Reference, Referenced
from core.rules import CompiledRule, RuleError, compile_rule
from core.rules.service import prepare_rule
from core.schema.definitions import kinds_for_rules, parse_definitions
from core.schema.registry import field_types

log = logging.getLogger(__name__)

LOGIC_KEYS = ("visible", "required")
VALIDATION_KEYS = {"rule", "message", "fields"}


@dataclass(frozen=True, slots=True)
class FieldLogic:
    """When a field is shown and when it is required (None: always shown / as defined)."""

    visible: CompiledRule | None = None
    required: CompiledRule | None = None


@dataclass(frozen=True, slots=True)
class FormRule:
    """A cross-field validation: `rule` must hold on the submitted values, else `message` is
    reported at each of `fields` (at the form itself when there are none)."""

    rule: CompiledRule
    message: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class Cleaned:
    """One submission after cleaning: the values to store and every problem found."""

    values: dict[str, Any]
    problems: list[FieldProblem] = field(default_factory=list)


class CompiledSchema:
    """Field definitions with their types and logic. `clean` is pure; the references the values
    make (files, users, records) are confirmed separately, in batches, by the caller."""

    def __init__(
        self,
        definitions: list[FieldDefinition],
        types: Mapping[str, FieldType],
        logic: dict[str, FieldLogic],
        validations: Iterable[FormRule] = (),
    ) -> None:
        self.definitions = definitions
        self.by_id = {d.id: d for d in definitions}
        self.types = {d.id: types[d.type] for d in definitions}
        self.logic = logic
        self.validations = tuple(validations)
        self.kinds = {d.id: self.types[d.id].value_kind(d) for d in definitions}

    def visible_fields(self, values: Mapping[str, Any]) -> set[str]:
        """Fields shown for these values. A hidden field's value cannot make another field
        visible, so this repeats until nothing changes."""
        visible = set(self.by_id)
        for _ in range(len(self.by_id) + 1):
            view = {k: v for k, v in values.items() if k in visible}
            now = {
                fid for fid in self.by_id if self._holds(self.logic.get(fid), "visible", view, True)
            }
            if now == visible:
                break
            visible = now
        return visible

    def _holds(
        self, logic: FieldLogic | None, which: str, view: dict[str, Any], default: bool
    ) -> bool:
        rule = getattr(logic, which) if logic else None
        if rule is None:
            return default
        try:
            return rule.matches(view)
        except RuleError as exc:  # a failing plugin operator must not block every submission
            log.warning("logic rule for %s failed: %s", which, exc)
            return default

    def clean(
        self,
        data: Any,
        previous: Mapping[str, Any] | None = None,
        *,
        prefix: str = "",
    ) -> Cleaned:
        """Validate `data` (merged over `previous` for a partial update): unknown fields,
        types, rules, `required` (after logic), then the cross-field validations. Hidden fields
        are dropped, empty ones left out."""
        if not isinstance(data, dict):
            return Cleaned(
                {},
                [FieldProblem(prefix.rstrip(".") or "data", "must be an object", "invalid_type")],
            )
        merged = {**previous, **data} if previous else dict(data)
        problems: list[FieldProblem] = []
        values: dict[str, Any] = {}
        failed: dict[str, FieldProblem] = {}
        for key, value in merged.items():
            definition = self.by_id.get(key)
            if definition is None:
                problems.append(
                    FieldProblem(f"{prefix}{key}", "is not a field of this form", "unknown_field")
                )
                continue
            field_type = self.types[key]
            if value is None or value == "" or value == []:
                continue  # not filled in: left out of the stored data
            try:
                values[key] = field_type.clean(value, definition)
            except Invalid as exc:
                failed[key] = FieldProblem(
                    f"{prefix}{key}", f"{definition.label} {exc.message}", exc.code
                )
                values[key] = value  # still seen by the logic, as the person typed it
        visible = self.visible_fields(values)
        for key in list(values):
            if key not in visible:
                del values[key]
                failed.pop(key, None)
        problems.extend(failed.values())
        for definition in self.definitions:
            fid = definition.id
            if fid not in visible or (fid in values and not self.types[fid].is_empty(values[fid])):
                continue
            logic = self.logic.get(fid)
            if definition.required or self._holds(logic, "required", values, False):
                problems.append(
                    FieldProblem(f"{prefix}{fid}", f"{definition.label} is required", "required")
                )
        for key in failed:
            values.pop(key, None)
        if self.validations:
            problems.extend(self._broken_rules(values, problems, visible, prefix))
        return Cleaned(values, problems)

    def clean_values(self, data: Mapping[str, Any], *, prefix: str = "") -> Cleaned:
        """Check only the values given, each on its own (unknown fields, type, options, the
        field's validation rules): values that pre-fill a form, whose required fields,
        show/hide logic and cross-field validations are judged when it is submitted."""
        values: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for key, value in data.items():
            definition = self.by_id.get(key)
            if definition is None:
                problems.append(
                    FieldProblem(f"{prefix}{key}", "is not a field of this form", "unknown_field")
                )
                continue
            if value is None or value == "" or value == []:
                continue
            try:
                values[key] = self.types[key].clean(value, definition)
            except Invalid as exc:
                problems.append(
                    FieldProblem(f"{prefix}{key}", f"{definition.label} {exc.message}", exc.code)
                )
        return Cleaned(values, problems)

    def _broken_rules(
        self,
        values: dict[str, Any],
        problems: list[FieldProblem],
        visible: set[str],
        prefix: str,
    ) -> list[FieldProblem]:
        """The validations that do not hold. One about fields that already have a problem, or
        are all hidden, is not judged: it would only repeat the problem or speak of what the
        person cannot see. One about the whole form waits until every field is valid."""
        at_fault = {p.path.removeprefix(prefix) for p in problems}
        form = prefix.rstrip(".") or "data"
        broken: list[FieldProblem] = []
        for check in self.validations:
            if check.fields:
                if at_fault.intersection(check.fields) or not visible.intersection(check.fields):
                    continue
            elif problems:
                continue
            try:
                holds = check.rule.matches(values)
            except RuleError as exc:  # a failing plugin operator must not block every submission
                log.warning("validation rule failed to run: %s", exc)
                continue
            if not holds:
                broken += [
                    FieldProblem(f"{prefix}{fid}", check.message, "validation_rule")
                    for fid in check.fields or ()
                ] or [FieldProblem(form, check.message, "validation_rule")]
        return broken

    def references(self, values: Mapping[str, Any]) -> list[Reference]:
        refs: list[Reference] = []
        for key, value in values.items():
            refs.extend(self.types[key].references(value, self.by_id[key]))
        return refs

    def check_references(
        self,
        values: Mapping[str, Any],
        found: Mapping[Reference, Referenced | None],
        *,
        prefix: str = "",
    ) -> list[FieldProblem]:
        problems = []
        for key, value in values.items():
            definition = self.by_id[key]
            for exc in self.types[key].check_references(value, definition, found):
                problems.append(
                    FieldProblem(f"{prefix}{key}", f"{definition.label}: {exc.message}", exc.code)
                )
        return problems


_CACHE_SIZE = 1024
_cache: OrderedDict[tuple[int, str], CompiledSchema] = OrderedDict()
_lock = threading.Lock()


def compile_schema(
    fields: Any, logic: Any = None, validations: Any = None, *, where: str = "fields"
) -> CompiledSchema:
    """Check and compile definitions, their logic and the form's validations (cached by
    content); raises ValidationFailed listing every problem of all three."""
    types = field_types()
    try:
        canonical = json.dumps(
            [fields, logic or {}, validations or []], sort_keys=True, separators=(",", ":")
        )
    except (TypeError, ValueError):
        raise ValidationFailed([FieldProblem(where, "must be JSON", "invalid_type")]) from None
    key = (id(types), canonical)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    definitions = parse_definitions(fields, where=where, types=types)
    problems: list[FieldProblem] = []
    try:
        field_logic = compile_logic(logic, definitions)
    except ValidationFailed as exc:
        problems += exc.problems
    try:
        rules = compile_validations(validations, definitions)
    except ValidationFailed as exc:
        problems += exc.problems
    if problems:
        raise ValidationFailed(problems, "The form is invalid")
    compiled = CompiledSchema(definitions, types, field_logic, rules)
    with _lock:
        _cache[key] = compiled
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def _rule_problems(exc: RuleError, at: str) -> list[FieldProblem]:
    """A rule's problems as field problems under `at` (`at.and[1].var`)."""
    return [
        FieldProblem(
            at + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in p.path),
            p.message,
            p.code,
        )
        for p in exc.problems
    ]


def compile_logic(logic: Any, definitions: Iterable[FieldDefinition]) -> dict[str, FieldLogic]:
    """Check a task's `logic`: {"fields": {fieldId: {"visible": rule, "required": rule}}},
    each rule JSONLogic or the seed's condition format, reading the form's fields."""
    definitions = list(definitions)
    if logic in (None, {}):
        return {}
    problems: list[FieldProblem] = []
    if (
        not isinstance(logic, dict)
        or set(logic) - {"fields"}
        or not isinstance(logic.get("fields", {}), dict)
    ):
        raise ValidationFailed(
            [
                FieldProblem(
                    "logic", 'must be {"fields": {fieldId: {"visible": rule, "required": rule}}}'
                )
            ]
        )
    known = {d.id for d in definitions}
    rule_fields = kinds_for_rules(definitions)
    compiled: dict[str, FieldLogic] = {}
    for fid, entry in logic.get("fields", {}).items():
        at = f"logic.fields.{fid}"
        if fid not in known:
            problems.append(FieldProblem(at, f"no field {fid!r} in this form", "unknown_field"))
            continue
        if not isinstance(entry, dict) or not entry or set(entry) - set(LOGIC_KEYS):
            problems.append(FieldProblem(at, 'must be {"visible": rule, "required": rule}'))
            continue
        rules: dict[str, CompiledRule] = {}
        for which, rule in entry.items():
            try:
                rules[which] = compile_rule(prepare_rule(rule, rule_fields))
            except RuleError as exc:
                problems += _rule_problems(exc, f"{at}.{which}")
        compiled[fid] = FieldLogic(**rules)
    if problems:
        raise ValidationFailed(problems, "The form logic is invalid")
    return compiled


def compile_validations(validations: Any, definitions: Iterable[FieldDefinition]) -> list[FormRule]:
    """Check a task's `validations`: [{"rule": rule, "message": text, "fields": [fieldId]}],
    each rule JSONLogic or the seed's condition format over the form's fields, `fields`
    (optional) naming where a broken rule is reported."""
    if validations in (None, []):
        return []
    shape = 'must be a list of {"rule": rule, "message": text, "fields": [fieldId, ...]}'
    if not isinstance(validations, list):
        raise ValidationFailed([FieldProblem("validations", shape)])
    definitions = list(definitions)
    known = {d.id for d in definitions}
    rule_fields = kinds_for_rules(definitions)
    problems: list[FieldProblem] = []
    rules: list[FormRule] = []
    for i, entry in enumerate(validations):
        at = f"validations[{i}]"
        if not isinstance(entry, dict) or "rule" not in entry or set(entry) - VALIDATION_KEYS:
            problems.append(FieldProblem(at, shape))
            continue
        message, fields = entry.get("message"), entry.get("fields", [])
        if not isinstance(message, str) or not message.strip():
            problems.append(FieldProblem(f"{at}.message", "is required", "required"))
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            problems.append(FieldProblem(f"{at}.fields", "must be a list of field ids"))
            fields = []
        for fid in fields:
            if fid not in known:
                problems.append(
                    FieldProblem(f"{at}.fields", f"no field {fid!r} in this form", "unknown_field")
                )
        try:
            rule = compile_rule(prepare_rule(entry["rule"], rule_fields))
        except RuleError as exc:
            problems += _rule_problems(exc, f"{at}.rule")
            continue
        if isinstance(message, str):
            rules.append(FormRule(rule, message.strip(), tuple(dict.fromkeys(fields))))
    if problems:
        raise ValidationFailed(problems, "The form validations are invalid")
    return rules
