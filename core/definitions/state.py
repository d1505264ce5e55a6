"""What a plan compares: the definitions of the files and of the company as items keyed by
kind and name, and the company's rows by name (ids never leave the installation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.definitions.documents import pointer_token
from core.models import (
    CustomTable,
    Dataset,
    Department,
    EmailTemplate,
    Flow,
    Integration,
    Role,
    Task,
    User,
)
from core.settings import Settings

Key = tuple[str, str, str, str]
"""(kind, owner's kind, owner's name, name); the owner is ("", "") for a file's own item."""


@dataclass(frozen=True, slots=True)
class Item:
    """One definition: a file's own (a task), or one kept inside another's file (a trigger in
    its task's file, a workflow in its integration's). `document` is canonical and holds no
    children; `at` is its JSON pointer in `file` ("" for the file's own)."""

    kind: str
    name: str
    document: dict[str, Any]
    file: str
    at: str = ""
    owner: tuple[str, str] = ("", "")
    id: str | None = None
    """The row's id, for an item of the company."""

    @property
    def key(self) -> Key:
        return (self.kind, *self.owner, self.name)

    @property
    def where(self) -> str:
        return f"{self.file}#{self.at}"

    def child_at(self, children: str, name: str) -> str:
        return f"/{children}/{pointer_token(name)}"


NAMED: dict[str, Any] = {
    "Department": Department,
    "Role": Role,
    "EmailTemplate": EmailTemplate,
    "Integration": Integration,
    "CustomTable": CustomTable,
    "Dataset": Dataset,
    "Task": Task,
    "Flow": Flow,
}
"""The company's rows that files name by their name."""


@dataclass
class Names:
    """The company's rows by name and names by id, per entity type (users by e-mail),
    followed as an apply creates and deletes rows."""

    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    twice: dict[str, set[str]] = field(default_factory=dict)
    """Names that two rows of one type share (files could not tell them apart)."""

    @classmethod
    async def of_company(cls, session: AsyncSession, company_id: str) -> Names:
        names = cls()
        for entity, model in NAMED.items():
            rows = await session.execute(
                sa.select(model.id, model.name)
                .where(model.company_id == company_id)
                .order_by(model.name, model.id)
            )
            for row_id, name in rows:
                names.add(entity, row_id, name)
        users = await session.execute(
            sa.select(User.id, User.email).where(User.company_id == company_id)
        )
        for row_id, email in users:
            names.add("User", row_id, email)
        return names

    def add(self, entity: str, row_id: str, name: str) -> None:
        by_name = self.ids.setdefault(entity, {})
        if name in by_name and by_name[name] != row_id:
            self.twice.setdefault(entity, set()).add(name)
        by_name.setdefault(name, row_id)
        self.names.setdefault(entity, {})[row_id] = name

    def drop(self, entity: str, row_id: str) -> None:
        name = self.names.get(entity, {}).pop(row_id, None)
        if name is not None and self.ids.get(entity, {}).get(name) == row_id:
            del self.ids[entity][name]

    def name_of(self, entity: str, row_id: str) -> str | None:
        return self.names.get(entity, {}).get(row_id)

    def id_of(self, entity: str, name: str) -> str | None:
        return self.ids.get(entity, {}).get(name)

    def to_names(self, entity: str, value: str) -> str | None:
        """The name of the row `value` is the id of (None: not an id of the company's)."""
        return self.name_of(entity, value)

    def to_ids(self, entity: str, value: str) -> str | None:
        """The id of the row named `value` (None: no row of that name)."""
        return self.id_of(entity, value)


@dataclass
class Context:
    """Who writes what where: the acting principal in its company, the platform settings,
    the rows by name and the secret values given for the integrations' references."""

    session: AsyncSession
    principal: Principal
    company_id: str
    settings: Settings
    names: Names
    secrets: Mapping[str, str] = field(default_factory=dict)
    deferred: list[tuple[Item, Callable[[], Awaitable[None]]]] = field(default_factory=list)
    """Steps that wait until every item of their kind is written (a table's relations name
    tables made after it)."""
