"""Freeze an entity (task, flow with levels/branches/triggers, custom table schema, dataset)
into a self-contained snapshot, and write a snapshot back onto the entity as a draft."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.flows import BranchSpec, FlowSpec, LevelSpec, get_flow, save_flow
from core.flows.authoring import draft_of_flow
from core.flows.checks import compile_definition
from core.models import (
    CustomTable,
    Dataset,
    DatasetStatus,
    Department,
    EventType,
    Flow,
    FlowStatus,
    Role,
    Task,
    TaskStatus,
    Trigger,
)
from core.releases.entity_types import check_entity_type
from core.triggers.references import portable_references

MODELS: dict[str, Any] = {
    "Task": Task,
    "Flow": Flow,
    "CustomTable": CustomTable,
    "Dataset": Dataset,
}
_TRIGGER_COLUMN = {
    "Task": Trigger.task_id,
    "Flow": Trigger.flow_id,
    "CustomTable": Trigger.table_id,
}


async def load_entity(
    session: AsyncSession, entity_type: str, entity_id: str, company_id: str | None = None
) -> Any:
    model = MODELS[check_entity_type(entity_type)]
    query = sa.select(model).where(model.id == entity_id)
    if company_id is not None:
        query = query.where(model.company_id == company_id)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"{entity_type} {entity_id} does not exist.")
    return row


async def capture(session: AsyncSession, entity_type: str, entity_id: str) -> dict[str, Any]:
    """The entity as it is now, with everything a company needs to run it."""
    row = await load_entity(session, entity_type, entity_id)
    snapshot: dict[str, Any] = {
        "entityType": entity_type,
        "entityId": row.id,
        "companyId": row.company_id,
        "name": row.name,
        "description": row.description,
    }
    if isinstance(row, Task):
        snapshot["attributes"] = {"validations": row.validations, "logic": row.logic}
        snapshot["fields"] = row.fields
    elif isinstance(row, Flow):
        flow = await get_flow(session, company_id=row.company_id, flow_id=row.id)
        snapshot["attributes"] = {"config": flow.config}
        snapshot["definition"] = compile_definition(draft_of_flow(flow))
    elif isinstance(row, CustomTable):
        snapshot["attributes"] = {
            "displayName": row.display_name,
            "relations": row.relations,
            "settings": row.settings,
            "permissions": row.permissions,
        }
        snapshot["fields"] = row.schema
    else:
        snapshot["attributes"] = {"category": row.category, "visibility": row.visibility}
        # Client companies have roles and departments of their own: found there by name.
        snapshot["visibilityNames"] = await _visibility_names(session, row.visibility)
        snapshot["sections"] = row.sections
        snapshot["fields"] = [
            field
            for section in row.sections
            if isinstance(section, dict)
            for field in section.get("fields", [])
        ]
    if entity_type in _TRIGGER_COLUMN:
        snapshot["triggers"] = await _triggers(session, entity_type, row.id)
    return snapshot


async def _visibility_names(session: AsyncSession, visibility: Any) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for key, model in (("roles", Role), ("departments", Department)):
        ids = (visibility or {}).get(key) or []
        if ids:
            names[key] = sorted(
                await session.scalars(sa.select(model.name).where(model.id.in_(ids)))
            )
    return names


async def _triggers(session: AsyncSession, entity_type: str, entity_id: str) -> list[Any]:
    rows = await session.scalars(
        sa.select(Trigger).where(_TRIGGER_COLUMN[entity_type] == entity_id).order_by(Trigger.id)
    )
    frozen = []
    for t in rows:
        item = {
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "isActive": t.is_active,
            "eventType": t.event_type.value,
            "eventConfig": t.event_config,
            "conditions": t.conditions,
            "actions": t.actions,
            "settings": t.settings,
        }
        # The rows the actions name, findable in a client company (core.releases.references).
        if references := await portable_references(session, t.actions):
            item["references"] = references
        frozen.append(item)
    return frozen


async def write_back(session: AsyncSession, snapshot: dict[str, Any], *, user_id: str) -> Any:
    """Put the snapshot's content back onto its entity in its company, as a draft to edit
    and publish again. Triggers are restored by id; triggers added since are deactivated."""
    entity_type = snapshot["entityType"]
    company_id = snapshot["companyId"]
    row = await load_entity(session, entity_type, snapshot["entityId"], company_id)
    attributes = snapshot.get("attributes", {})
    row.name, row.description = snapshot["name"], snapshot["description"]
    if isinstance(row, Task):
        row.fields = snapshot["fields"]
        row.validations, row.logic = attributes["validations"], attributes["logic"]
        row.status = TaskStatus.DRAFT
    elif isinstance(row, Flow):
        await save_flow(
            session,
            company_id=company_id,
            user_id=user_id,
            spec=_flow_spec(snapshot),
            flow_id=row.id,
        )
        row.status = FlowStatus.DRAFT
    elif isinstance(row, CustomTable):
        row.schema = snapshot["fields"]
        row.display_name = attributes["displayName"]
        row.relations, row.settings = attributes["relations"], attributes["settings"]
        row.permissions = attributes.get("permissions") or {}
    else:
        row.sections = snapshot["sections"]
        row.category, row.visibility = attributes["category"], attributes["visibility"]
        row.status = DatasetStatus.DRAFT
    if entity_type in _TRIGGER_COLUMN:
        await _restore_triggers(session, entity_type, row, snapshot.get("triggers", []))
    await session.flush()
    return row


def _flow_spec(snapshot: dict[str, Any]) -> FlowSpec:
    definition = snapshot["definition"]
    order_by_level = {level["order"]: level for level in definition["levels"]}
    return FlowSpec(
        name=snapshot["name"],
        description=snapshot["description"],
        config=definition["flow"].get("config") or {},
        levels=[
            LevelSpec(
                order=level["order"],
                name=level["name"],
                description=level.get("description"),
                task_ids=[task["id"] for task in level["tasks"]],
                roles=[role["id"] for role in level["roles"]],
                config=level.get("config") or {},
            )
            for level in order_by_level.values()
        ],
        branches=[
            BranchSpec(
                name=branch["name"],
                from_level=branch["fromLevel"],
                to_level="END" if branch["toLevel"] is None else branch["toLevel"],
                conditions=branch["conditions"],
                priority=branch["priority"],
            )
            for branch in definition["branches"]
        ],
    )


async def _restore_triggers(
    session: AsyncSession, entity_type: str, row: Any, frozen: list[dict[str, Any]]
) -> None:
    column = _TRIGGER_COLUMN[entity_type]
    current = {t.id: t for t in await session.scalars(sa.select(Trigger).where(column == row.id))}
    for item in frozen:
        trigger = current.pop(item["id"], None)
        if trigger is None:
            trigger = Trigger(id=item["id"], company_id=row.company_id)
            setattr(trigger, column.key, row.id)
            session.add(trigger)
        trigger.name, trigger.description = item["name"], item["description"]
        trigger.is_active = item["isActive"]
        trigger.event_type = EventType(item["eventType"])
        trigger.event_config, trigger.conditions = item["eventConfig"], item["conditions"]
        trigger.actions, trigger.settings = item["actions"], item["settings"]
    for extra in current.values():
        extra.is_active = False
