"""Defining integrations and their workflows: the rules their values obey (configs checked
against the integration type, secrets sealed with the platform's keys) and their write side."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.entities import EntityKind
from core.integrations.runner import integration_types
from core.integrations.secrets import prepare_config
from core.integrations.workflows import check_workflow
from core.models import Integration, IntegrationWorkflow
from core.settings import Settings
from core.vault import SecretBox


async def integration_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: Integration | None,
    settings: Settings,
) -> dict[str, Any]:
    """The config checked against the integration's type, its secrets sealed with the keys
    of `settings` (the platform's)."""
    type_name = str(values.get("type") or (row.type if row else ""))
    itype = integration_types().get(getattr(type_name, "value", type_name))
    if "config" in values:
        current = row.config if row else {}
        box = SecretBox.from_settings(settings)
        values["config"] = prepare_config(itype, current, values["config"], box)
    return values


async def workflow_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: IntegrationWorkflow | None,
    settings: Settings,
) -> dict[str, Any]:
    """A workflow's trigger and action configs, checked against its integration."""
    await check_workflow(
        session,
        integration_id=values.get("integration_id") or (row.integration_id if row else ""),
        trigger_config=values.get("trigger_config", row.trigger_config if row else {}),
        action_config=values.get("action_config", row.action_config if row else {}),
    )
    return values


INTEGRATIONS = EntityKind(Integration, write="integrations.write", prepare=integration_values)
WORKFLOWS = EntityKind(
    IntegrationWorkflow,
    write="integrations.write",
    references={"integration_id": Integration},
    prepare=workflow_values,
)
