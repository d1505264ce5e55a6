"""Reading a frozen flow definition as a client renders it: the levels, tasks and fields
the server validates each step of an instance against, and the release it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationFailed
from core.flows.definition import released_version
from core.models import Flow, FlowDefinition
from core.schema import CompiledSchema, compile_schema


@dataclass(frozen=True, slots=True)
class FrozenDefinition:
    """A definition row, its flow's current name, the release it was frozen from (None when
    unreleased) and, per task id, the compiled form a submission of that task is cleaned by
    (None when its fields no longer compile, say a field type's plugin was removed: the
    frozen fields are then shown as they are, and a submission is refused)."""

    row: FlowDefinition
    flow_name: str
    version: str | None
    version_id: str | None
    forms: dict[str, CompiledSchema | None]

    @property
    def snapshot(self) -> dict[str, Any]:
        return self.row.snapshot

    @property
    def published_at(self) -> datetime | None:
        return self.row.published_at


async def get_definition(
    session: AsyncSession, *, company_id: str, definition_id: str
) -> FrozenDefinition:
    """The frozen definition `definition_id` of one of the company's flows."""
    row = (
        await session.execute(
            sa.select(FlowDefinition, Flow.name)
            .join(Flow, Flow.id == FlowDefinition.flow_id)
            .where(FlowDefinition.id == definition_id, FlowDefinition.company_id == company_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"Flow definition {definition_id} does not exist.")
    definition, flow_name = row
    forms: dict[str, CompiledSchema | None] = {}
    for level in definition.snapshot["levels"]:
        for task in level["tasks"]:
            if task["id"] not in forms:
                forms[task["id"]] = compiled_form(
                    task["fields"], task.get("logic"), task.get("validations")
                )
    version, version_id = released_version(definition.snapshot)
    return FrozenDefinition(definition, flow_name, version, version_id, forms)


def compiled_form(fields: Any, logic: Any, validations: Any) -> CompiledSchema | None:
    """A form compiled by the same call (and cache) as a submission's validation, so what is
    shown is what is checked; None when it no longer compiles (a field type's plugin gone)."""
    try:
        return compile_schema(fields, logic, validations)
    except ValidationFailed:
        return None
