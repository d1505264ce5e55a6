"""start_flow: start an instance of an approval flow, optionally with the event's data."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from erp.sdk import ENTITY_KEY, Action, ActionContext, ActionFailed, hookimpl, start_flow


class StartFlowConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"flowId": "...", "assignTo": "CEO", "passData": true}: `passData` hands the event's
    submitted values to the instance; `assignTo` (user id or email, role id or name) takes
    the first level; the instance is started by `initiatorId`, else by the user the event
    names (userId / executorId / initiatorId); `data` adds values."""

    flow_id: Annotated[str, msgspec.Meta(extra_json_schema={ENTITY_KEY: "Flow"})]
    assign_to: str | None = None
    pass_data: bool = False
    data: dict[str, Any] = {}
    initiator_id: str | None = None


INITIATOR_KEYS = ("userId", "executorId", "initiatorId")


async def run_start_flow(context: ActionContext, config: StartFlowConfig) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if config.pass_data:
        submitted = context.event.data.get("data")
        data.update(submitted if isinstance(submitted, dict) else context.event.data)
    data.update(config.data)
    initiator = config.initiator_id or next(
        (context.event.data[k] for k in INITIATOR_KEYS if context.event.data.get(k)), None
    )
    if not initiator:
        raise ActionFailed(
            "start_flow needs initiatorId, or an event naming its user", retryable=False
        )
    return await start_flow(
        context,
        flow_id=config.flow_id,
        initiator_id=str(initiator),
        data=data,
        assign_to=config.assign_to,
    )


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="start_flow",
            config=StartFlowConfig,
            run=run_start_flow,
            description="Start an approval flow (optionally with the event's data).",
        )
    ]
