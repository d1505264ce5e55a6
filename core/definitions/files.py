"""Definitions on disk: one YAML file per definition, under a folder per kind, written the
same way byte for byte for the same definitions (so that git shows only real changes)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from core.definitions.documents import FOLDERS
from core.errors import FieldProblem, ValidationFailed

SUFFIXES = (".yaml", ".yml", ".json")
"""Files read as definitions (JSON is YAML too); the export writes `.yaml`."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry of an exported zip carries this time, so the same definitions make the same
bytes."""


class _Dumper(yaml.SafeDumper):
    """Block style throughout, multi-line text as literal blocks (an e-mail body reads as
    itself), list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses a key written twice in one mapping (plain YAML keeps the last
    silently, and a definition would lose what the first said)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def dump(document: Any) -> str:
    """The document as YAML, keys in the document's own order."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def load(text: str, path: str) -> Any:
    """The document in `text`; ValidationFailed naming the line and column of a syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader's subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValidationFailed(
            [FieldProblem(path, f"Not valid YAML{where}: {exc.problem or exc}.", "malformed")],
            "A file of the definitions cannot be read.",
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationFailed(
            [FieldProblem(path, f"Not valid YAML: {exc}.", "malformed")],
            "A file of the definitions cannot be read.",
        ) from None


def slug(name: str) -> str:
    """A file name for `name`: lower-case letters and digits joined by dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-") or "item"


def file_names(folder: str, names: Iterable[str]) -> dict[str, str]:
    """The path of each name's file in `folder`; two names with one slug are told apart by a
    number, given in name order so that every installation numbers them alike."""
    taken: set[str] = set()
    paths: dict[str, str] = {}
    for name in sorted(names):
        base = slug(name)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        paths[name] = f"{folder}/{candidate}.yaml"
    return paths


def read_directory(directory: Path) -> dict[str, Any]:
    """Every definition file under `directory` (path relative to it -> document). Files
    outside the kinds' folders are left alone (a README, the .git folder) unless they look
    like definitions; ValidationFailed lists every file that cannot be read."""
    if not directory.is_dir():
        raise ValidationFailed(
            [FieldProblem(str(directory), "No such directory.", "not_found")],
            "The definitions cannot be read.",
        )
    documents: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_dir() or any(part.startswith(".") for part in relative.parts):
            continue
        name = relative.as_posix()
        if path.suffix not in SUFFIXES:
            continue
        if len(relative.parts) != 2 or relative.parts[0] not in FOLDERS:
            problems.append(
                FieldProblem(
                    name,
                    "A definition file belongs in one of the folders " + ", ".join(FOLDERS) + ".",
                    "unknown_folder",
                )
            )
            continue
        try:
            documents[name] = load(path.read_text(encoding="utf-8"), name)
        except UnicodeDecodeError:
            problems.append(FieldProblem(name, "Not UTF-8 text.", "malformed"))
        except ValidationFailed as exc:
            problems += exc.problems
    if problems:
        raise ValidationFailed(problems, "The definitions cannot be read.")
    return documents


def write_directory(directory: Path, files: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Write each document to its file under `directory` and remove the definition files of
    the kinds' folders that the export no longer has (a renamed task leaves no stale file
    behind); the paths written and removed."""
    directory.mkdir(parents=True, exist_ok=True)
    removed = []
    for folder in FOLDERS:
        for path in sorted((directory / folder).glob("*")):
            name = f"{folder}/{path.name}"
            if path.is_file() and path.suffix in SUFFIXES and name not in files:
                path.unlink()
                removed.append(name)
    for name, document in sorted(files.items()):
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump(document), encoding="utf-8")
    return sorted(files), removed


def zip_files(files: Mapping[str, Any]) -> bytes:
    """The files as one zip archive, the same bytes for the same definitions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, document in sorted(files.items()):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, dump(document))
    return buffer.getvalue()
