"""The operators that read the data: `var`, `missing` and `missing_some`."""

from __future__ import annotations

from typing import Any

from .compile import BUILTINS, Builtin, Compiler, Fn
from .errors import Path
from .js import less_or_equal, to_number, to_string

_MISSING = object()


def split_path(key: Any) -> list[str] | None:
    """The property names a `var` key walks; None means the whole data."""
    if key is None or key == "" or (type(key) is list and not key):
        return None
    return to_string(key).split(".")


def _index(prop: str) -> int | None:
    # Only canonical array indexes ("0", "12"); "01" or "-1" are plain missing properties in JS.
    if prop.isdigit() and prop.isascii() and (prop == "0" or prop[0] != "0"):
        return int(prop)
    return None


def lookup(data: Any, parts: list[str] | None, default: Any = None) -> Any:
    """Walk `parts` into data the way the reference does: undefined steps yield the default."""
    if parts is None:
        return data
    for prop in parts:
        t = type(data)
        if t is dict:
            data = data.get(prop, _MISSING)
        elif t is list:
            i = _index(prop)
            data = data[i] if i is not None and i < len(data) else _MISSING
        else:
            return default
        if data is _MISSING:
            return default
    return data


def _var(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    nodes = c.args(args, paths)
    if not nodes:
        return lambda data: data
    key_node = nodes[0]
    default_node = nodes[1] if len(nodes) > 1 else None
    if key_node.const and (default_node is None or default_node.const):
        parts = split_path(key_node.value)
        default = default_node.value if default_node is not None else None
        if parts is None:
            return lambda data: data
        if len(parts) == 1 and c.fast:
            key = parts[0]
            if default is None:
                return lambda data: data.get(key) if type(data) is dict else lookup(data, parts)

            def var_default(data: Any) -> Any:
                if type(data) is dict:
                    v = data.get(key, _MISSING)
                    return default if v is _MISSING else v
                return lookup(data, parts, default)

            return var_default
        return lambda data: lookup(data, parts, default)
    key_fn = key_node.fn
    default_fn = default_node.fn if default_node is not None else (lambda data: None)
    return lambda data: lookup(data, split_path(key_fn(data)), default_fn(data))


def _missing_keys(keys: list[Any], data: Any) -> list[Any]:
    out = []
    for key in keys:
        v = lookup(data, split_path(key))
        if v is None or v == "":
            out.append(key)
    return out


def _missing(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    nodes = c.args(args, paths)
    if all(n.const for n in nodes):
        values = [n.value for n in nodes]
        keys = values[0] if values and type(values[0]) is list else values
        walks = [(key, split_path(key)) for key in keys]

        def missing_const(data: Any) -> list[Any]:
            out = []
            for key, parts in walks:
                v = lookup(data, parts)
                if v is None or v == "":
                    out.append(key)
            return out

        return missing_const
    fns = [n.fn for n in nodes]

    def missing(data: Any) -> list[Any]:
        values = [f(data) for f in fns]
        keys = values[0] if values and type(values[0]) is list else values
        return _missing_keys(keys, data)

    return missing


def _missing_some(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    need_fn, options_fn = (n.fn for n in c.args(args, paths))

    def missing_some(data: Any) -> list[Any]:
        need, options = need_fn(data), options_fn(data)
        keys = options if type(options) is list else [options]
        if keys and type(keys[0]) is list:
            keys = keys[0]
        absent = _missing_keys(keys, data)
        have = len(options) - len(absent) if type(options) is list else 1 - len(absent)
        return [] if less_or_equal(to_number(need), have) else absent

    return missing_some


BUILTINS["var"] = Builtin(0, 2, _var)
BUILTINS["missing"] = Builtin(0, None, _missing)
BUILTINS["missing_some"] = Builtin(2, 2, _missing_some)
