"""The `integration` trigger action (a built-in plugin of this area): run any action of any of
the company's integrations, its inputs templated from the event. Failures keep the vendor's
error and retry when they may."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.errors import ErpError
from core.integrations.runner import run_action
from core.plugins import hookimpl
from core.triggers.actions import platform_of
from core.triggers.sdk import ENTITY_KEY, Action, ActionContext, ActionFailed


class IntegrationActionConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"integrationId": "...", "action": "append_rows", "inputs": {"rows": [["{{x}}"]]}}"""

    integration_id: Annotated[str, msgspec.Meta(extra_json_schema={ENTITY_KEY: "Integration"})]
    action: str
    inputs: dict[str, Any] = {}


async def run_integration_action(
    context: ActionContext, config: IntegrationActionConfig
) -> dict[str, Any]:
    # The integrations area is the platform's own: it reaches the company's integrations
    # (their sealed secrets) through the platform behind the context.
    sessions, settings = platform_of(context.services)
    try:
        return await run_action(
            sessions,
            settings,
            company_id=context.company_id,
            integration_id=config.integration_id,
            action=config.action,
            inputs=config.inputs,
            idempotency_key=context.idempotency_key,
        )
    except ErpError as exc:
        retryable = bool(getattr(exc, "retryable", False))
        raise ActionFailed(exc.message, retryable=retryable) from exc


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="integration",
            config=IntegrationActionConfig,
            run=run_integration_action,
            description="Run an action of one of the company's integrations.",
        )
    ]
