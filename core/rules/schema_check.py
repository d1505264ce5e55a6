"""Save-time checks of a JSONLogic rule against the fields it reads: unknown fields, clashes."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from .compile import BUILTINS
from .errors import Path, RuleProblem, RuleSchemaError
from .fields import FieldIndex, Kind, compatible, kind_of_literal

_COMPARISONS = {"==", "!=", "===", "!==", "<", "<=", ">", ">="}
_ARITHMETIC = {"+", "-", "*", "/", "%", "max", "min"}
_RESULT_KIND: dict[str, Kind] = {
    "!": "boolean",
    "!!": "boolean",
    "all": "boolean",
    "some": "boolean",
    "none": "boolean",
    "in": "boolean",
    "cat": "string",
    "substr": "string",
    "merge": "list",
    "map": "list",
    "filter": "list",
    "missing": "list",
    "missing_some": "list",
}
_NOUN = {
    "number": "a number",
    "string": "text",
    "date": "a date",
    "boolean": "a yes/no value",
    "list": "a list",
}


class _Checker:
    def __init__(self, fields: FieldIndex) -> None:
        self.fields = fields
        self.problems: list[RuleProblem] = []

    def kind(self, node: Any, path: Path, scoped: bool) -> tuple[Kind, Any, str | None]:
        """The kind of a sub-rule's value, the literal itself (if it is one) and its field id."""
        if type(node) is not dict or len(node) != 1:
            if type(node) is list:
                for i, item in enumerate(node):
                    self.kind(item, (*path, i), scoped)
            return kind_of_literal(node), node, None
        op, raw = next(iter(node.items()))
        args, paths = (
            (raw, [(*path, op, i) for i in range(len(raw))])
            if type(raw) is list
            else ([raw], [(*path, op)])
        )
        if op == "var":
            return self.var(args, path, scoped)
        spec = BUILTINS.get(op)
        inner = [
            self.kind(a, p, scoped or (spec is not None and i in spec.scoped))
            for i, (a, p) in enumerate(zip(args, paths, strict=True))
        ]
        if op in _COMPARISONS:
            for (ka, la, fa), (kb, lb, fb) in itertools.pairwise(inner):
                if not compatible(ka, kb, la, lb):
                    field = fa or fb
                    self.problems.append(
                        RuleProblem(
                            "rule.type_mismatch",
                            f"{op!r} compares {_NOUN.get(ka, ka)} with {_NOUN.get(kb, kb)}"
                            + (f" (field {field})" if field else ""),
                            path,
                            field,
                        )
                    )
            return "boolean", None, None
        if op in _ARITHMETIC:
            for (k, _, f), p in zip(inner, paths, strict=True):
                if k not in ("number", "any", "null"):
                    self.problems.append(
                        RuleProblem(
                            "rule.not_a_number",
                            f"{op!r} needs numbers but gets {_NOUN.get(k, k)}"
                            + (f" (field {f})" if f else ""),
                            p,
                            f,
                        )
                    )
            return "number", None, None
        if op == "in" and len(inner) == 2:
            (kn, ln, fn), (kh, lh, fh) = inner
            if type(lh) is list:
                for i, item in enumerate(lh):
                    if not compatible(kn, kind_of_literal(item), ln, item):
                        self.problems.append(
                            RuleProblem(
                                "rule.type_mismatch",
                                f"'in' looks for {_NOUN.get(kn, kn)} among values such as {item!r}"
                                + (f" (field {fn})" if fn else ""),
                                (*paths[1], i),
                                fn,
                            )
                        )
            elif kh == "string" and kn not in ("string", "any", "null", "date"):
                self.problems.append(
                    RuleProblem(
                        "rule.type_mismatch",
                        f"'in' looks for {_NOUN.get(kn, kn)} inside text"
                        + (f" (field {fh})" if fh else ""),
                        path,
                        fh or fn,
                    )
                )
        return _RESULT_KIND.get(op, "any"), None, None

    def var(self, args: list[Any], path: Path, scoped: bool) -> tuple[Kind, Any, str | None]:
        if scoped or not args or type(args[0]) not in (str, int):
            return "any", None, None
        name = str(args[0])
        if name == "":
            return "any", None, None
        head, _, _rest = name.partition(".")
        field = self.fields.resolve(name) or self.fields.resolve(head)
        if field is None:
            known = ", ".join(self.fields.names()) or "none"
            self.problems.append(
                RuleProblem(
                    "rule.unknown_field",
                    f"unknown field {head!r} (known: {known})",
                    (*path, "var"),
                    head,
                )
            )
            return "any", None, head
        whole = self.fields.resolve(name) is field
        return (self.fields.kind(field) if whole else "any"), None, str(field.get("id"))


def check_rule(rule: Any, fields: Iterable[Mapping[str, Any]] | FieldIndex) -> None:
    """Raise RuleSchemaError listing every unknown field and kind clash in a JSONLogic rule."""
    index = fields if isinstance(fields, FieldIndex) else FieldIndex(fields)
    checker = _Checker(index)
    checker.kind(rule, (), False)
    if checker.problems:
        raise RuleSchemaError(checker.problems)
