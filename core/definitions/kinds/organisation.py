"""Departments and roles: the organisation that levels, datasets and tables name by role and
department names (people are not definitions: they stay in their installation)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import sqlalchemy as sa

from core.definitions.documents import DepartmentDoc, RoleDoc
from core.definitions.kinds.base import Kind, changed_values, missing, refuse
from core.definitions.state import Context, Item
from core.models import Department, Role
from core.organisation.kinds import DEPARTMENTS, ROLES


class Departments(Kind):
    kind = "departments"
    label = "department"
    entity = "Department"
    document = DepartmentDoc
    read = "departments.read"
    write = "departments.write"
    renamed = {"parentId": "parent"}

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(Department).where(Department.company_id == ctx.company_id)
        )
        return [
            self.item(
                row.id,
                row.name,
                DepartmentDoc(
                    name=row.name,
                    description=row.description,
                    parent=ctx.names.name_of("Department", row.parent_id)
                    if row.parent_id
                    else None,
                ),
            )
            for row in rows
        ]

    def _values(self, ctx: Context, item: Item) -> dict[str, Any]:
        doc = item.document
        parent_id = None
        if doc["parent"] is not None:
            parent_id = ctx.names.id_of("Department", doc["parent"])
            if parent_id is None:
                refuse(missing("/parent", "department", doc["parent"]))
        return {"name": doc["name"], "description": doc["description"], "parent_id": parent_id}

    async def create(self, ctx: Context, item: Item) -> str:
        row = await DEPARTMENTS.create(
            ctx.session, ctx.principal, self._values(ctx, item), ctx.settings
        )
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        values = self._values(ctx, item)
        changes = changed_values(values, changed)
        row = await ctx.session.get(Department, current.id)
        await DEPARTMENTS.update(ctx.session, ctx.principal, row, changes, ctx.settings)

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(Department, current.id)
        await DEPARTMENTS.delete(ctx.session, ctx.principal, row)

    def in_order(self, items: Iterable[Item]) -> list[Item]:
        """Parents before their children."""
        pending = {item.name: item for item in sorted(items, key=lambda i: i.name)}
        ordered: list[Item] = []
        while pending:
            ready = [
                item for item in pending.values() if item.document["parent"] not in pending
            ] or list(pending.values())  # a cycle: the department rules will refuse it
            for item in ready:
                ordered.append(item)
                del pending[item.name]
        return ordered


class Roles(Kind):
    kind = "roles"
    label = "role"
    entity = "Role"
    document = RoleDoc
    read = "roles.read"
    write = "roles.write"
    renamed = {"departmentId": "department"}

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(sa.select(Role).where(Role.company_id == ctx.company_id))
        return [
            self.item(
                row.id,
                row.name,
                RoleDoc(
                    name=row.name,
                    description=row.description,
                    department=ctx.names.name_of("Department", row.department_id)
                    if row.department_id
                    else None,
                    permissions=msgspec.convert(row.permissions or {}, dict[str, bool]),
                ),
            )
            for row in rows
        ]

    def _values(self, ctx: Context, item: Item) -> dict[str, Any]:
        doc = item.document
        department_id = None
        if doc["department"] is not None:
            department_id = ctx.names.id_of("Department", doc["department"])
            if department_id is None:
                refuse(missing("/department", "department", doc["department"]))
        return {
            "name": doc["name"],
            "description": doc["description"],
            "department_id": department_id,
            "permissions": doc["permissions"],
        }

    async def create(self, ctx: Context, item: Item) -> str:
        row = await ROLES.create(ctx.session, ctx.principal, self._values(ctx, item), ctx.settings)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        values = self._values(ctx, item)
        changes = changed_values(values, changed)
        row = await ctx.session.get(Role, current.id)
        await ROLES.update(ctx.session, ctx.principal, row, changes, ctx.settings)

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(Role, current.id)
        await ROLES.delete(ctx.session, ctx.principal, row)
