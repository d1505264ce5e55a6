"""Array operators whose second argument runs against each item of the first.

map, filter, reduce (with `current` and `accumulator`), all, none, some."""

from __future__ import annotations

from typing import Any

from . import limits
from .compile import BUILTINS, Builtin, Compiler, Fn
from .errors import Path
from .js import truthy


def _scoped(c: Compiler, args: list[Any], paths: list[Path]) -> tuple[Fn, Fn, Fn | None]:
    source = c.node(args[0], paths[0]).fn
    c.scope_depth += 1
    try:
        logic = c.node(args[1], paths[1]).fn
    finally:
        c.scope_depth -= 1
    initial = c.node(args[2], paths[2]).fn if len(args) > 2 else None
    c.uses_budget = True
    return source, logic, initial


def _items(source: Fn, data: Any, path: Path) -> list[Any] | None:
    items = source(data)
    if type(items) is not list:
        return None
    limits.charge(len(items), path)
    return items


def _map(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    source, logic, _ = _scoped(c, args, paths)

    def map_(data: Any) -> list[Any]:
        items = _items(source, data, path)
        return [] if items is None else [logic(item) for item in items]

    return map_


def _filter(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    source, logic, _ = _scoped(c, args, paths)

    def filter_(data: Any) -> list[Any]:
        items = _items(source, data, path)
        return [] if items is None else [item for item in items if truthy(logic(item))]

    return filter_


def _reduce(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    source, logic, initial = _scoped(c, args, paths)

    def reduce_(data: Any) -> Any:
        items = _items(source, data, path)  # the source first, as the reference does
        acc = initial(data) if initial is not None else None
        if items is None:
            return acc
        for item in items:
            acc = logic({"current": item, "accumulator": acc})
        return acc

    return reduce_


def _all(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    source, logic, _ = _scoped(c, args, paths)

    def all_(data: Any) -> bool:
        items = _items(source, data, path)
        if not items:
            return False  # the reference: an empty (or non-array) input is not "all"
        return all(truthy(logic(item)) for item in items)

    return all_


def _some(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    source, logic, _ = _scoped(c, args, paths)

    def some_(data: Any) -> bool:
        items = _items(source, data, path)
        return items is not None and any(truthy(logic(item)) for item in items)

    return some_


def _none(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    some = _some(c, args, paths, path)
    return lambda data: not some(data)


BUILTINS["map"] = Builtin(2, 2, _map, scoped=(1,))
BUILTINS["filter"] = Builtin(2, 2, _filter, scoped=(1,))
BUILTINS["reduce"] = Builtin(2, 3, _reduce, scoped=(1,))
BUILTINS["all"] = Builtin(2, 2, _all, scoped=(1,))
BUILTINS["some"] = Builtin(2, 2, _some, scoped=(1,))
BUILTINS["none"] = Builtin(2, 2, _none, scoped=(1,))
