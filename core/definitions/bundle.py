"""Files and items: a bundle of files (path -> document) read into the items a plan compares,
every problem of every file listed with its path; items laid out into files again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

import msgspec

from core.definitions.documents import (
    FOLDERS,
    StandaloneTriggerDoc,
    canonical,
    pointer_token,
    problems_of,
)
from core.definitions.files import SUFFIXES, file_names
from core.definitions.kinds import BY_KIND, CHILD_KINDS, KINDS
from core.definitions.state import Item, Key
from core.errors import FieldProblem

Files = dict[str, Any]
"""Definition files: path (`tasks/expense-report.yaml`) -> document."""


def lay_out(items: Iterable[Item]) -> tuple[list[Item], Files]:
    """The items with the file each is kept in, and the files: each kind's items in its
    folder under a name made from theirs, children inside their owner's file."""
    items = list(items)
    placed: list[Item] = []
    files: Files = {}
    owners: dict[tuple[str, str], Item] = {}
    for kind in KINDS:
        if kind.kind == "workflows":
            continue
        own = [
            item
            for item in items
            if item.kind == kind.kind and (kind.kind != "triggers" or not item.owner[0])
        ]
        paths = file_names(kind.kind, (item.name for item in own))
        for item in own:
            item = dataclasses.replace(item, file=paths[item.name], at="")
            placed.append(item)
            owners[(item.kind, item.name)] = item
            files[item.file] = dict(item.document)
            if kind.children is not None:
                files[item.file][kind.children] = {}
    for item in sorted(items, key=lambda i: (i.kind, i.owner, i.name)):
        if not item.owner[0]:
            continue
        owner = owners.get(item.owner)
        if owner is None:
            continue  # attached to a row that is not a definition of its own
        children = BY_KIND[owner.kind].children or ""
        item = dataclasses.replace(
            item, file=owner.file, at=f"/{children}/{pointer_token(item.name)}"
        )
        placed.append(item)
        files[owner.file][children][item.name] = item.document
    return placed, files


def read_items(files: Mapping[str, Any]) -> tuple[list[Item], list[FieldProblem]]:
    """The items the valid files define, and every problem of every other file (at
    `<path>#<JSON pointer>`), a definition that two files (or two keys) give among them."""
    items: list[Item] = []
    problems: list[FieldProblem] = []
    seen: dict[Key, Item] = {}
    for path in sorted(files):
        found, wrong = _read_file(path, files[path])
        problems += wrong
        for item in found:
            if item.key in seen:
                problems.append(
                    FieldProblem(
                        f"{item.where}/name" if not item.at else item.where,
                        f"The {BY_KIND[item.kind].label} {item.name!r} is defined in "
                        f"{seen[item.key].where} already.",
                        "duplicate",
                    )
                )
                continue
            seen[item.key] = item
            items.append(item)
    return items, problems


def _read_file(path: str, raw: Any) -> tuple[list[Item], list[FieldProblem]]:
    parts = PurePosixPath(path).parts
    if len(parts) != 2 or parts[0] not in FOLDERS or PurePosixPath(path).suffix not in SUFFIXES:
        message = (
            "A definition file is <folder>/<name>.yaml, its folder one of "
            + ", ".join(FOLDERS)
            + "."
        )
        return [], [FieldProblem(path, message, "unknown_folder")]
    kind = BY_KIND[parts[0]]
    shape = StandaloneTriggerDoc if kind.kind == "triggers" else kind.document
    if not isinstance(raw, dict):
        return [], [FieldProblem(f"{path}#", "A definition is a mapping of keys.", "invalid_type")]
    wrong = [
        dataclasses.replace(problem, path=f"{path}#{problem.path}")
        for problem in problems_of(raw, shape)
    ]
    if wrong:
        return [], wrong
    document = canonical(msgspec.convert(raw, shape, strict=True))
    children = document.pop(kind.children, {}) if kind.children else {}
    item = Item(kind.kind, document["name"], document, path)
    found = [item]
    for name, child in children.items():
        child_kind = CHILD_KINDS[kind.children or ""]
        found.append(
            Item(
                child_kind.kind,
                name,
                child,
                path,
                at=f"/{kind.children}/{pointer_token(name)}",
                owner=(kind.kind, item.name),
            )
        )
    return found, []
