"""Custom tables (schema, relations, permissions), datasets and tasks: the forms and data
definitions. Tables, roles and departments are named by name here already in the rows
(record fields name their table, permissions their roles), datasets by id: shown by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from core.definitions.documents import DatasetDoc, TableDoc, TaskDoc, VisibilityDoc
from core.definitions.kinds.base import Kind, changed_values, refuse
from core.definitions.state import Context, Item
from core.errors import FieldProblem
from core.models import CustomTable, Dataset, DatasetStatus, Task, TaskStatus
from core.records import use_cases as records
from core.tasks.definitions import TASKS


class Tables(Kind):
    kind = "tables"
    label = "table"
    entity = "CustomTable"
    document = TableDoc
    read = "tables.read"
    write = "tables.write"
    children = "triggers"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(CustomTable).where(CustomTable.company_id == ctx.company_id)
        )
        return [
            self.item(
                row.id,
                row.name,
                TableDoc(
                    name=row.name,
                    display_name=row.display_name,
                    description=row.description,
                    schema=list(row.schema or []),
                    relations=list(row.relations or []),
                    settings=dict(row.settings or {}),
                    permissions=dict(row.permissions or {}),
                ),
            )
            for row in rows
        ]

    def _waits(self, ctx: Context, item: Item) -> bool:
        """Whether the table's relations name a table not written yet."""
        return any(
            isinstance(r, dict)
            and r.get("table") != item.name
            and ctx.names.id_of("CustomTable", str(r.get("table"))) is None
            for r in item.document["relations"]
        )

    async def create(self, ctx: Context, item: Item) -> str:
        doc = item.document
        waits = self._waits(ctx, item)
        row = await records.create_table(
            ctx.session,
            ctx.principal,
            name=doc["name"],
            display_name=doc["displayName"],
            description=doc["description"],
            schema=doc["schema"],
            relations=[] if waits else doc["relations"],
            settings=doc["settings"],
            permissions=doc["permissions"],
        )
        if waits:
            ctx.deferred.append((item, lambda: self._relate(ctx, row.id, doc["relations"])))
        return str(row.id)

    async def _relate(self, ctx: Context, table_id: str, relations: list[Any]) -> None:
        await records.update_table(
            ctx.session, ctx.principal, table_id=table_id, changes={"relations": relations}
        )

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        doc = item.document
        if "description" in changed and doc["description"] is None:
            refuse(
                FieldProblem(
                    "/description", "A table's description can be changed, not removed.", "required"
                )
            )
        values = {
            "display_name": doc["displayName"],
            "description": doc["description"],
            "schema": doc["schema"],
            "relations": doc["relations"],
            "settings": doc["settings"],
            "permissions": doc["permissions"],
        }
        changes = changed_values(values, changed)
        if "relations" in changes and self._waits(ctx, item):
            relations = changes.pop("relations")
            ctx.deferred.append((item, lambda: self._relate(ctx, str(current.id), relations)))
        if changes:
            await records.update_table(
                ctx.session, ctx.principal, table_id=str(current.id), changes=changes
            )

    async def delete(self, ctx: Context, current: Item) -> None:
        await records.delete_table(ctx.session, ctx.principal, table_id=str(current.id))

    def in_order(self, items: Iterable[Item]) -> list[Item]:
        """A table after the tables its record fields point at."""
        pending = {item.name: item for item in sorted(items, key=lambda i: i.name)}
        ordered: list[Item] = []
        while pending:
            ready = [
                item
                for item in pending.values()
                if not (_targets(item) - {item.name}) & set(pending)
            ] or list(pending.values())  # tables pointing at each other: their checks say so
            for item in ready:
                ordered.append(item)
                del pending[item.name]
        return ordered


def _targets(item: Item) -> set[str]:
    return {
        str(field["settings"]["table"])
        for field in item.document["schema"]
        if isinstance(field, dict)
        and field.get("type") == "record"
        and isinstance(field.get("settings"), dict)
        and field["settings"].get("table")
    }


class Datasets(Kind):
    """Datasets; one is never deleted, only archived (its readers' history stays)."""

    kind = "datasets"
    label = "dataset"
    entity = "Dataset"
    document = DatasetDoc
    read = "datasets.read"
    write = "datasets.write"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(Dataset).where(Dataset.company_id == ctx.company_id)
        )
        items = []
        for row in rows:
            visibility = row.visibility or {}
            seen = VisibilityDoc(
                roles=[ctx.names.name_of("Role", i) or i for i in visibility.get("roles") or []],
                departments=[
                    ctx.names.name_of("Department", i) or i
                    for i in visibility.get("departments") or []
                ],
            )
            document = DatasetDoc(
                name=row.name,
                description=row.description,
                category=row.category,
                status=row.status,
                sections=list(row.sections or []),
                visibility=seen,
            )
            items.append(self.item(row.id, row.name, document))
        return items

    def _values(self, item: Item) -> dict[str, Any]:
        doc = item.document
        visibility = doc["visibility"]
        return {
            "name": doc["name"],
            "description": doc["description"],
            "category": doc["category"],
            "sections": doc["sections"],
            # Roles and departments are taken by name; none at all is the whole company.
            "visibility": visibility if visibility["roles"] or visibility["departments"] else {},
        }

    async def create(self, ctx: Context, item: Item) -> str:
        row = await records.create_dataset(ctx.session, ctx.principal, **self._values(item))
        await self._move(ctx, str(row.id), DatasetStatus.DRAFT, item)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        changes = changed_values(self._values(item), changed)
        status = DatasetStatus(current.document["status"])
        if changes:
            await records.update_dataset(
                ctx.session, ctx.principal, dataset_id=str(current.id), changes=changes
            )
        await self._move(ctx, str(current.id), status, item)

    async def _move(self, ctx: Context, dataset_id: str, status: DatasetStatus, item: Item) -> None:
        wanted = DatasetStatus(item.document["status"])
        if wanted is status:
            return
        if status is DatasetStatus.ARCHIVED or wanted is DatasetStatus.DRAFT:
            refuse(
                FieldProblem(
                    "/status",
                    f"A {status.value.lower()} dataset cannot become {wanted.value.lower()}.",
                    "invalid_transition",
                )
            )
        change = (
            records.publish_dataset
            if wanted is DatasetStatus.PUBLISHED
            else records.archive_dataset
        )
        await change(ctx.session, ctx.principal, dataset_id=dataset_id)

    async def delete(self, ctx: Context, current: Item) -> None:
        await records.archive_dataset(ctx.session, ctx.principal, dataset_id=str(current.id))


class Tasks(Kind):
    kind = "tasks"
    label = "task"
    entity = "Task"
    document = TaskDoc
    read = "tasks.read"
    write = "tasks.write"
    children = "triggers"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(sa.select(Task).where(Task.company_id == ctx.company_id))
        return [
            self.item(
                row.id,
                row.name,
                TaskDoc(
                    name=row.name,
                    description=row.description,
                    status=row.status,
                    fields=list(row.fields or []),
                    logic=dict(row.logic or {}),
                    validations=list(row.validations or []),
                ),
            )
            for row in rows
        ]

    def _values(self, item: Item) -> dict[str, Any]:
        doc = item.document
        return {
            "name": doc["name"],
            "description": doc["description"],
            "status": TaskStatus(doc["status"]),
            "fields": doc["fields"],
            "logic": doc["logic"],
            "validations": doc["validations"],
        }

    async def create(self, ctx: Context, item: Item) -> str:
        row = await TASKS.create(ctx.session, ctx.principal, self._values(item), ctx.settings)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        row = await ctx.session.get(Task, current.id)
        changes = changed_values(self._values(item), changed)
        await TASKS.update(ctx.session, ctx.principal, row, changes, ctx.settings)

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(Task, current.id)
        await TASKS.delete(ctx.session, ctx.principal, row)
