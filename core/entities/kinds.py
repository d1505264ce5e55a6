"""How one kind of entity is written: who may create, change and delete it, what its
references must name and the rules its values obey, so every write of it is one use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.entities.service import create_entity, delete_entity, update_entity
from core.errors import FieldProblem, ValidationFailed
from core.models.base import Base
from core.settings import Settings

Prepare = Callable[
    [AsyncSession, Principal, dict[str, Any], Any, Settings], Awaitable[dict[str, Any]]
]
"""(session, principal, values sent, current row or None on create, settings) -> the
attribute values to write; raises ValidationFailed, Conflict or PermissionDenied to refuse."""

Remove = Callable[[AsyncSession, Principal, Any], Awaitable[None]]


@dataclass(frozen=True)
class EntityKind:
    """The write side of one entity. `write` is the permission to change a row (and, unless
    given, to create and delete one); `references` maps foreign-key attributes to the model
    whose row they must name in the caller's company; `prepare` applies the entity's rules;
    `remove` deletes a row its own way (default: core.entities.delete_entity)."""

    model: type[Base]
    write: str
    create_permission: str | None = None
    delete_permission: str | None = None
    references: dict[str, type[Base]] = field(default_factory=dict)
    prepare: Prepare | None = None
    remove: Remove | None = None

    @property
    def creating(self) -> str:
        return self.create_permission or self.write

    @property
    def deleting(self) -> str:
        return self.delete_permission or self.write

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        values: dict[str, Any],
        settings: Settings,
    ) -> Any:
        """A new row of `values` in the principal's company, audited."""
        require(principal, self.creating)
        values = await self._checked(session, principal, values, None, settings)
        return await create_entity(session, principal, self.model, values)

    async def update(
        self,
        session: AsyncSession,
        principal: Principal,
        row: Any,
        values: dict[str, Any],
        settings: Settings,
    ) -> Any:
        """`row` changed by `values`, audited (what changed)."""
        require(principal, self.write)
        values = await self._checked(session, principal, values, row, settings)
        return await update_entity(session, principal, row, values)

    async def delete(self, session: AsyncSession, principal: Principal, row: Any) -> None:
        require(principal, self.deleting)
        await (self.remove or delete_entity)(session, principal, row)

    async def _checked(
        self,
        session: AsyncSession,
        principal: Principal,
        values: dict[str, Any],
        row: Any,
        settings: Settings,
    ) -> dict[str, Any]:
        await check_references(session, self.references, values)
        if self.prepare is None:
            return values
        return await self.prepare(session, principal, values, row, settings)


async def check_references(
    session: AsyncSession, references: dict[str, type[Base]], values: dict[str, Any]
) -> None:
    """Every referenced id must exist in the caller's company (a missing one is reported
    exactly like one of another company: it does not exist)."""
    problems = []
    for attr, model in references.items():
        ref = values.get(attr)
        if ref is not None and await session.get(model, ref) is None:
            problems.append(
                FieldProblem(f"/{_camel(attr)}", f"No {model.__name__} {ref}.", "not_found")
            )
    if problems:
        raise ValidationFailed(problems)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)
