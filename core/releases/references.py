"""Ids a trigger's actions name (a flow to start, a table to write to) turned into a client
company's own ids when the client runs a version. They were frozen with a company-neutral key
when the version was published (core.triggers.references reads them from the actions)."""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    CustomTable,
    CustomTableRecord,
    EmailTemplate,
    Flow,
    Integration,
    Task,
    User,
)
from core.releases.installs import local_ids

REFERENCED: dict[str, Any] = {
    "Flow": Flow,
    "Task": Task,
    "CustomTable": CustomTable,
    "EmailTemplate": EmailTemplate,
    "Integration": Integration,
    "CustomTableRecord": CustomTableRecord,
    "User": User,
}
"""The models an action setting may name a row of, by entity type."""
INSTALLED = ("Flow", "Task")
"""Entity types a client company installs: a reference to one carries the platform id."""


async def localise_actions(
    session: AsyncSession, company_id: str, actions: Any, references: list[dict[str, Any]]
) -> Any:
    """The actions with each reference turned into `company_id`'s row: its install of the
    entity, or its row of the same name. A row the client lacks is left as its name, for the
    action's error to say what is missing; the building company's id never reaches it."""
    if not references:
        return actions
    localised = copy.deepcopy(actions)
    for reference in references:
        try:
            config = localised[reference["action"]]["config"]
        except (IndexError, KeyError, TypeError):
            continue
        entity, name = reference["entity"], reference["name"]
        local: str | None = None
        if entity in INSTALLED:
            mapped = await local_ids(session, company_id, entity, [reference["id"]])
            local = mapped.get(reference["id"])
        elif (model := REFERENCED.get(entity)) is not None:
            local = await session.scalar(
                sa.select(model.id).where(model.company_id == company_id, model.name == name)
            )
        config[reference["setting"]] = local or name
    return localised
