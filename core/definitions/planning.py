"""The plan: what applying the files would create, change (key by key) and delete in the
company, and the steps that do it, in the order the kinds name one another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from core.definitions.documents import SETS, pointer_token
from core.definitions.kinds import BY_KIND, KINDS, Kind
from core.definitions.state import Item
from core.models import DatasetStatus

Action = Literal["create", "change", "delete", "keep"]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One value that changes, at its JSON pointer in the definition (`before`/`after` null
    where the key is absent; a secret's value is never shown, only `note` says it changes)."""

    path: str
    before: Any = None
    after: Any = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What happens to one definition. `keep`: the company has it, the files do not, and
    deleting was not asked for."""

    action: Action
    kind: str
    name: str
    where: str
    owner: str | None = None
    fields: tuple[FieldChange, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """A write of the plan: the kind, the company's item (None for a new one), the files'
    item (None for a delete) and the keys that differ."""

    action: Action
    kind: Kind
    current: Item | None
    item: Item | None
    changed: frozenset[str] = frozenset()

    @property
    def subject(self) -> Item:
        subject = self.item or self.current
        assert subject is not None
        return subject


@dataclass
class Plan:
    """Every change, in the order it is applied (deletes last), and the steps making them."""

    changes: list[Change] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def empty(self) -> bool:
        return not self.steps

    def summary(self) -> dict[str, int]:
        return {
            "created": self.count("create"),
            "changed": self.count("change"),
            "deleted": self.count("delete"),
            "kept": self.count("keep"),
        }


def make_plan(current: list[Item], desired: list[Item], *, delete: bool) -> Plan:
    """Compare the company's items with the files'. A definition the files lack is deleted
    only with `delete`; a dataset is archived, never deleted."""
    plan = Plan()
    now = {item.key: item for item in current}
    wanted = {item.key for item in desired}
    for kind in KINDS:
        for item in kind.in_order(i for i in desired if i.kind == kind.kind):
            before = now.get(item.key)
            if before is None:
                plan.steps.append(Step("create", kind, None, item))
                plan.changes.append(_change("create", kind, item))
                continue
            fields = diff(before.document, as_sets(item.document, before.document))
            if fields:
                changed = frozenset(f.path.split("/")[1] for f in fields)
                plan.steps.append(Step("change", kind, before, item, changed))
                plan.changes.append(_change("change", kind, item, fields=tuple(fields)))
    for kind in reversed(KINDS):
        gone = sorted(
            (i for i in current if i.kind == kind.kind and i.key not in wanted),
            key=lambda i: (i.owner, i.name),
        )
        for item in gone:
            archived = kind.kind == "datasets" and item.document["status"] == DatasetStatus.ARCHIVED
            if delete and not archived:
                notes = ("Datasets are archived, not deleted.",) if kind.kind == "datasets" else ()
                plan.steps.append(Step("delete", kind, item, None))
                plan.changes.append(_change("delete", kind, item, notes=notes))
            else:
                plan.changes.append(_change("keep", kind, item))
    return plan


def _change(
    action: Action,
    kind: Kind,
    item: Item,
    *,
    fields: tuple[FieldChange, ...] = (),
    notes: tuple[str, ...] = (),
) -> Change:
    owner_kind, owner_name = item.owner
    owner = None
    if owner_kind:
        owner = f"{BY_KIND[owner_kind].label} {owner_name}"
    return Change(action, kind.label, item.name, item.where, owner, fields, notes)


def as_sets(document: Any, like: Any) -> Any:
    """`document` with each set-like list (core.definitions.documents.SETS) in the order of
    the same list of `like` where it holds the same items: a file listing a level's roles in
    another order than the company's export changes nothing."""
    if isinstance(document, dict) and isinstance(like, dict):
        out = {}
        for key, value in document.items():
            other = like.get(key)
            if (
                key in SETS
                and isinstance(value, list)
                and isinstance(other, list)
                and sorted(map(str, value)) == sorted(map(str, other))
            ):
                out[key] = other
            else:
                out[key] = as_sets(value, other)
        return out
    if isinstance(document, list) and isinstance(like, list) and len(document) == len(like):
        return [as_sets(a, b) for a, b in zip(document, like, strict=True)]
    return document


def diff(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """The values that differ, key by key (and item by item in lists of the same length)."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in [*before, *(k for k in after if k not in before)]:
            changes += diff(before.get(key), after.get(key), f"{path}/{pointer_token(str(key))}")
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            c
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for c in diff(b, a, f"{path}/{i}")
        ]
    if before == after and type(before) is type(after):
        return []
    return [FieldChange(path, before, after)]
