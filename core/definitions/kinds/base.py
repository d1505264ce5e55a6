"""What every kind of definition does: read the company's rows as documents, and write a
document back through its area's own use cases (so that every rule and audit applies)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from core.definitions.documents import Document, canonical
from core.definitions.state import Context, Item
from core.errors import FieldProblem, ValidationFailed


class Kind(ABC):
    """One kind of definition. `kind` names its folder (or, for a kind kept inside another's
    files, its key there); `entity` is its rows' type in core.definitions.state.Names."""

    kind: ClassVar[str]
    label: ClassVar[str]
    entity: ClassVar[str | None] = None
    document: ClassVar[type[Document]]
    read: ClassVar[str]
    write: ClassVar[str]
    children: ClassVar[str | None] = None
    """The key of the file holding the items of another kind (a task's `triggers`)."""
    renamed: ClassVar[dict[str, str]] = {}
    """Names the use cases' problems give keys by, and the file's names for them."""

    @abstractmethod
    async def export(self, ctx: Context) -> list[Item]:
        """The company's definitions of this kind (file not yet given)."""

    @abstractmethod
    async def create(self, ctx: Context, item: Item) -> str:
        """Write a new row for `item`; its id."""

    @abstractmethod
    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        """Change the row of `current` to `item`; `changed` are the top-level keys that differ."""

    @abstractmethod
    async def delete(self, ctx: Context, current: Item) -> None:
        """Delete the row of `current`."""

    def in_order(self, items: Iterable[Item]) -> list[Item]:
        """The order to write this kind's items in (by name unless one names another)."""
        return sorted(items, key=lambda item: item.name)

    def item(self, row_id: str, name: str, document: Document, **where: Any) -> Item:
        plain = canonical(document, sort_sets=True)
        if self.children is not None:
            plain.pop(self.children, None)
        return Item(self.kind, name, plain, "", id=row_id, **where)

    def pointer(self, path: str) -> str:
        """A use case's problem path (`actions[0].config.to`, `/levels/0/taskIds`, `name`)
        as a JSON pointer into this kind's document."""
        if not path:
            return ""
        tokens = [t for t in re.split(r"[./\[\]]+", path) if t]
        return "".join("/" + self.renamed.get(_camel(t), _camel(t)) for t in tokens)


def document_key(attribute: str) -> str:
    """The document's key for a row attribute (`display_name`: `displayName`; `parent_id`:
    `parent`, which names the row the id is of)."""
    return _camel(attribute[:-3] if attribute.endswith("_id") else attribute)


def changed_values(values: dict[str, Any], changed: set[str]) -> dict[str, Any]:
    """The attribute values whose document keys changed."""
    return {k: v for k, v in values.items() if document_key(k) in changed}


def _camel(token: str) -> str:
    head, *rest = token.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest) if rest else token


def missing(path: str, label: str, name: str) -> FieldProblem:
    return FieldProblem(
        path, f"No {label} named {name!r} in the company or in the valid files.", "not_found"
    )


def refuse(*problems: FieldProblem) -> None:
    """Raise the problems (if any) of a write that cannot be made."""
    if problems:
        raise ValidationFailed(list(problems), "The definition cannot be written.")
