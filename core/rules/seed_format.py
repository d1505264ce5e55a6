"""The seed's condition format ({"operator": "AND", "rules": [...]}) normalised into JSONLogic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Path, RuleProblem, RuleSchemaError, RuleSyntaxError
from .fields import FieldIndex, Kind, compatible, kind_of_literal

# seed operator -> what it becomes (documented in docs/rules.md)
SEED_OPERATORS: dict[str, str] = {
    "equals": '{"==": [field, value]}',
    "not_equals": '{"!=": [field, value]}',
    "greater_than": '{">": [field, value]}',
    "less_than": '{"<": [field, value]}',
    "greater_or_equal": '{">=": [field, value]}',
    "less_or_equal": '{"<=": [field, value]}',
    "contains": '{"in": [value, field]}',
    "not_contains": '{"!": {"in": [value, field]}}',
    "starts_with": '{"==": [{"substr": [{"cat": [field]}, 0, len(value)]}, value]}',
    "ends_with": '{"==": [{"substr": [{"cat": [field]}, -len(value)]}, value]}',
    "is_empty": '{"missing": [id]} (multi-select: {"!": field})',
    "is_not_empty": '{"!": {"missing": [id]}} (multi-select: {"!!": field})',
    "in": '{"in": [field, value]}',
    "not_in": '{"!": {"in": [field, value]}}',
}
_COMPARE = {
    "equals": "==",
    "not_equals": "!=",
    "greater_than": ">",
    "less_than": "<",
    "greater_or_equal": ">=",
    "less_or_equal": "<=",
}
_ORDERED = {"greater_than", "less_than", "greater_or_equal", "less_or_equal"}


def is_seed_condition(rule: Any) -> bool:
    """A seed condition is a group object; JSONLogic operations have exactly one key."""
    return type(rule) is dict and "rules" in rule and set(rule) <= {"operator", "rules"}


class _Normaliser:
    def __init__(self, fields: FieldIndex | None, open_names: bool = False) -> None:
        self.fields = fields
        self.open_names = open_names
        self.syntax: list[RuleProblem] = []
        self.schema: list[RuleProblem] = []
        self.origins: dict[Path, Path] = {}

    def group(self, group: Any, path: Path, out_path: Path) -> Any:
        if type(group) is not dict or type(group.get("rules")) is not list:
            self.syntax.append(
                RuleProblem("rule.malformed_group", "a group needs a 'rules' list", path)
            )
            return None
        op = str(group.get("operator", "AND")).upper()
        if op not in ("AND", "OR"):
            self.syntax.append(
                RuleProblem(
                    "rule.unknown_operator", "a group's operator is AND or OR", (*path, "operator")
                )
            )
        rules = group["rules"]
        if not rules:
            self.syntax.append(
                RuleProblem("rule.empty_group", "a group needs at least one rule", (*path, "rules"))
            )
        key = "or" if op == "OR" else "and"
        self.origins[out_path] = path
        items = []
        for i, item in enumerate(rules):
            item_path, item_out = (*path, "rules", i), (*out_path, key, i)
            if type(item) is dict and "rules" in item:
                items.append(self.group(item, item_path, item_out))
            else:
                self.origins[item_out] = item_path
                items.append(self.leaf(item, item_path))
        return {key: items}

    def leaf(self, rule: Any, path: Path) -> Any:
        if type(rule) is not dict or "field" not in rule or "operator" not in rule:
            self.syntax.append(
                RuleProblem(
                    "rule.malformed_condition", "a condition needs 'field' and 'operator'", path
                )
            )
            return None
        name, op, value = rule["field"], rule["operator"], rule.get("value")
        if type(name) is not str or not name:
            self.syntax.append(
                RuleProblem("rule.malformed_condition", "'field' must be a name", (*path, "field"))
            )
            return None
        field_id: str = name
        kind: Kind = "any"
        if self.fields is not None:
            field = self.fields.resolve(name)
            if field is None and self.open_names:
                field = {"id": name}
            if field is None:
                known = ", ".join(self.fields.names()) or "none"
                self.schema.append(
                    RuleProblem(
                        "rule.unknown_field",
                        f"unknown field {name!r} (known: {known})",
                        (*path, "field"),
                        name,
                    )
                )
                return None
            field_id, kind = str(field["id"]), self.fields.kind(field)
        if op not in SEED_OPERATORS:
            self.syntax.append(
                RuleProblem(
                    "rule.unknown_operator",
                    f"unknown condition operator {op!r} (known: {', '.join(SEED_OPERATORS)})",
                    (*path, "operator"),
                )
            )
            return None
        var = {"var": field_id}
        value_path = (*path, "value")

        def clash(message: str) -> None:
            self.schema.append(RuleProblem("rule.type_mismatch", message, value_path, field_id))

        if op in _COMPARE:
            if not compatible(kind, kind_of_literal(value), None, value):
                clash(f"{op} compares {kind} field {field_id!r} with {value!r}")
            if op in _ORDERED and value is None:
                clash(f"{op} needs a value to compare with")
            return {_COMPARE[op]: [var, value]}
        if op in ("in", "not_in"):
            if type(value) is not list:
                self.syntax.append(
                    RuleProblem("rule.malformed_condition", f"{op} needs a list value", value_path)
                )
                return None
            for item in value:
                if not compatible(kind, kind_of_literal(item), None, item):
                    clash(f"{op} lists {item!r}, which field {field_id!r} ({kind}) cannot hold")
            test: dict[str, Any] = {"in": [var, value]}
            return test if op == "in" else {"!": test}
        if op in ("contains", "not_contains"):
            if kind not in ("string", "list", "any"):
                clash(f"{op} needs a text or multi-select field, {field_id!r} is {kind}")
            if kind == "string" and type(value) is not str:
                clash(f"{op} on a text field needs a text value")
            test = {"in": [value, var]}
            return test if op == "contains" else {"!": test}
        if op in ("starts_with", "ends_with"):
            if type(value) is not str:
                clash(f"{op} needs a text value")
                return None
            if kind not in ("string", "any"):
                clash(f"{op} needs a text field, {field_id!r} is {kind}")
            if not value:
                return True
            text = {"cat": [var]}
            start = [0, len(value)] if op == "starts_with" else [-len(value)]
            return {"==": [{"substr": [text, *start]}, value]}
        empty = {"!": var} if kind == "list" else {"missing": [field_id]}
        return empty if op == "is_empty" else {"!": empty}


def normalise_condition(
    condition: Any,
    fields: Iterable[Mapping[str, Any]] | FieldIndex | None = None,
    *,
    open_names: bool = False,
) -> tuple[Any, dict[Path, Path]]:
    """JSONLogic for a seed condition, and where each JSONLogic node came from in the seed.

    Raises RuleSyntaxError (malformed, unknown operator) or RuleSchemaError (unknown field,
    value of the wrong kind), each listing every offending place with its path in the seed.
    With `open_names` a name that is no field reads the data's value of that name (at run
    time, where the data holds more than the fields).
    """
    index = fields if isinstance(fields, FieldIndex) or fields is None else FieldIndex(fields)
    n = _Normaliser(index, open_names)
    logic = n.group(condition, (), ())
    if n.syntax:
        raise RuleSyntaxError(n.syntax + n.schema)
    if n.schema:
        raise RuleSchemaError(n.schema)
    return logic, n.origins


def to_jsonlogic(rule: Any, fields: Iterable[Mapping[str, Any]] | FieldIndex | None = None) -> Any:
    """Either format in, JSONLogic out; field labels in `var`s become field ids."""
    if is_seed_condition(rule):
        return normalise_condition(rule, fields)[0]
    if fields is None:
        return rule
    index = fields if isinstance(fields, FieldIndex) else FieldIndex(fields)
    return _relabel(rule, index)


def _relabel(node: Any, fields: FieldIndex) -> Any:
    if type(node) is list:
        return [_relabel(n, fields) for n in node]
    if type(node) is not dict or len(node) != 1:
        return node
    op, raw = next(iter(node.items()))
    if op == "var":
        args = raw if type(raw) is list else [raw]
        if args and type(args[0]) is str and args[0]:
            head, dot, rest = args[0].partition(".")
            field = fields.resolve(args[0]) or fields.resolve(head)
            if field is not None and fields.resolve(args[0]) is field:
                args = [str(field["id"]), *args[1:]]
            elif field is not None:
                args = [f"{field['id']}{dot}{rest}", *args[1:]]
        return {"var": args if type(raw) is list else args[0]}
    return {op: _relabel(raw, fields)}
