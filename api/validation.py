"""Decode a request body into a msgspec Struct, reporting every offending field at once.

msgspec stops at the first error; a user fixing a form wants them all, so on failure the
body is walked field by field (recursing into nested Structs and lists of them)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from core.errors import FieldProblem


def struct_problems(raw: bytes, target: Any) -> list[FieldProblem]:
    """Every problem of `raw` (a JSON body) against `target` (a Struct type, or any type)."""
    try:
        value = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        return [
            FieldProblem(
                path="", message=f"The body is not valid JSON: {exc}", code="malformed_json"
            )
        ]
    if value is None and raw.strip() in (b"", b"null"):
        return [FieldProblem(path="", message="A JSON body is required.", code="required")]
    return value_problems(value, target, "")


def value_problems(value: Any, target: Any, path: str) -> list[FieldProblem]:
    struct_type = _struct_type(target)
    if struct_type is not None and isinstance(value, dict):
        return _object_problems(value, struct_type, path)
    item_type = _list_item_struct(target)
    if item_type is not None and isinstance(value, list):
        # The list's own constraints (its length) first, then each item at its index.
        problems = _convert_problems(value, _with_items(target, Any), path)
        for index, item in enumerate(value):
            problems += value_problems(item, item_type, f"{path}/{index}")
        return problems
    return _convert_problems(value, target, path)


def _convert_problems(value: Any, target: Any, path: str) -> list[FieldProblem]:
    try:
        msgspec.convert(value, target, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        return [FieldProblem(path + _pointer(message), clean_message(message), "invalid")]
    return []


_LOCATION = re.compile(r" - at `\$(.*)`$")
_STEP = re.compile(r"\[(\d+)\]|\.([^.\[]+)")


def _pointer(message: str) -> str:
    """msgspec's location inside the value (`$[2].name`) as a JSON pointer suffix (`/2/name`),
    so a problem deep in a list names the item it is about."""
    found = _LOCATION.search(message)
    if found is None:
        return ""
    return "".join(f"/{index or key}" for index, key in _STEP.findall(found.group(1)))


def _object_problems(
    value: dict[str, Any], struct_type: type[msgspec.Struct], path: str
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    fields = msgspec.structs.fields(struct_type)
    known = {f.encode_name for f in fields}
    for field in fields:
        where = f"{path}/{field.encode_name}"
        if field.encode_name not in value:
            if field.required:
                problems.append(FieldProblem(where, "This field is required.", "required"))
            continue
        problems += value_problems(value[field.encode_name], field.type, where)
    if struct_type.__struct_config__.forbid_unknown_fields:
        for key in value:
            if key not in known:
                problems.append(FieldProblem(f"{path}/{key}", "Unknown field.", "unknown_field"))
    if not problems:  # cross-field constraints (e.g. __post_init__) surface here
        try:
            msgspec.convert(value, struct_type, strict=True)
        except msgspec.ValidationError as exc:
            problems.append(FieldProblem(path, clean_message(str(exc)), "invalid"))
    return problems


def _unannotated(target: Any) -> Any:
    """`Annotated[list[X], Meta(...)]` is a list of X for walking it."""
    while get_origin(target) is Annotated:
        target = get_args(target)[0]
    return target


def _with_items(target: Any, item: Any) -> Any:
    """The list type `target` (with its constraints) holding `item`s instead."""
    if get_origin(target) is Annotated:
        base, *metadata = get_args(target)
        return Annotated[(_with_items(base, item), *metadata)]
    return list[item]


def _struct_type(target: Any) -> type[msgspec.Struct] | None:
    target = _unannotated(target)
    if isinstance(target, type) and issubclass(target, msgspec.Struct):
        return target
    if get_origin(target) in (Union, type(int | None)):
        structs = [
            a for a in get_args(target) if isinstance(a, type) and issubclass(a, msgspec.Struct)
        ]
        if len(structs) == 1:
            return structs[0]
    return None


def _list_item_struct(target: Any) -> type[msgspec.Struct] | None:
    target = _unannotated(target)
    if get_origin(target) in (list, tuple, set, frozenset):
        args = get_args(target)
        return _struct_type(args[0]) if args else None
    return None


def whole_numbers(value: Any) -> Any:
    """`value` (decoded JSON) with its whole floats as integers: JSON has one kind of number,
    and an integer of JSON Schema is any number without a fraction (`3.0` is one)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    return value


def clean_message(message: str) -> str:
    # msgspec appends "- at `$.x`"; the problem already carries the path.
    return message.split(" - at `", 1)[0]


MAX_JSON_DEPTH = 200
"""How deeply JSON in a request may nest. Deeper input made the decoders (and the code
walking what they decoded) exhaust Python's recursion limit, a 500; nothing the platform
stores needs more than a rule's 128 path steps inside a body's few levels."""


def nested_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `raw`, if it is JSON, nests containers more than `limit` deep (malformed
    JSON is not this check's business: the body parser reports it)."""
    data = raw.encode() if isinstance(raw, str) else raw
    # No JSON nests deeper than it has brackets: the usual body skips the walk.
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    try:
        value = msgspec.json.decode(data)
    except RecursionError:
        return True
    except msgspec.DecodeError:
        return False
    # Walked with a stack, not by recursion: only containers are visited.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def nul_problems(value: Any, path: str = "") -> list[FieldProblem]:
    """Places holding a NUL character, which PostgreSQL text and JSONB cannot store."""
    if isinstance(value, str):
        return (
            [FieldProblem(path, "Text may not contain NUL characters.", "nul_character")]
            if "\x00" in value
            else []
        )
    if isinstance(value, dict):
        problems = []
        for key, item in value.items():
            if "\x00" in str(key):
                problems.append(
                    FieldProblem(
                        f"{path}/{key!r}", "Keys may not contain NUL characters.", "nul_character"
                    )
                )
            problems += nul_problems(item, f"{path}/{key}")
        return problems
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nul_problems(item, f"{path}/{i}")]
    return []
