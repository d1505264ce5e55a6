"""A trigger's test run: its condition evaluated on sample data or on a recorded event, with
the explanation tree, and what each action would do (its config rendered from the event's
variables and checked), without running an action, writing a row or sending anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ErpError, FieldProblem, NotFound, ValidationFailed
from core.models import OutboxEvent, Trigger, utcnow
from core.rules.service import explanation_tree
from core.settings import Settings
from core.templating import collecting_warnings, render_value
from core.triggers.admission import event_info
from core.triggers.conditions import evaluate_conditions, event_variables
from core.triggers.engine import add_flow_links
from core.triggers.matching import fields_for_runs
from core.triggers.registry import ActionRegistry, get_action_registry
from core.triggers.service import get_trigger
from core.triggers.trigger_settings import parse_steps

SAMPLE_EVENT_ID = "sample"


@dataclass(frozen=True, slots=True)
class ActionPreview:
    """What one action of the trigger would be given, had the event really happened."""

    index: int
    type: str
    description: str
    would_run: bool
    """The condition holds (failures of earlier actions cannot be known without running)."""
    config: Any
    """The config rendered with the event's variables, as the action would receive it."""
    warnings: list[str] = field(default_factory=list)
    """Template variables the event does not have (they would render empty)."""
    error: str | None = None
    """Why the action would fail before it starts (unknown type, a config it refuses, a
    template that does not render)."""


@dataclass(frozen=True, slots=True)
class TriggerTest:
    event: dict[str, Any]
    """{"id": the recorded event's id, or null for sample data; "type"; "data": payload}."""
    conditions_met: bool
    explanation: list[dict[str, Any]]
    """The condition's explanation tree (empty without a condition)."""
    condition_result: dict[str, Any]
    """What a real run stores as the execution's conditionResult."""
    variables: list[str]
    """Every name a template of this trigger may use for this event."""
    actions: list[ActionPreview]


async def dry_run_trigger(
    session: AsyncSession,
    *,
    company_id: str,
    trigger_id: str,
    settings: Settings,
    sample: Mapping[str, Any] | None = None,
    event_id: str | None = None,
    registry: ActionRegistry | None = None,
) -> TriggerTest:
    """The trigger as saved now, run dry on `sample` (an event payload of the trigger's event
    type, attached to what the trigger is attached to) or on the recorded event `event_id`.
    ValidationFailed when both or a recorded event of another type are given; NotFound when
    the company has no such trigger or event. Reads only."""
    if sample is not None and event_id is not None:
        raise ValidationFailed(
            [FieldProblem("/eventId", "Give sample data or a recorded event, not both.")]
        )
    trigger = await get_trigger(session, company_id=company_id, trigger_id=trigger_id)
    event = (
        await _recorded(session, company_id, trigger, event_id)
        if event_id is not None
        else _sample(trigger, sample or {})
    )
    info = event_info(event)
    fields = (await fields_for_runs(session, [(trigger, event)])).get((trigger.id, event.id))
    variables = event_variables(info, fields, trigger.name)
    met, result = evaluate_conditions(trigger.conditions, variables, fields)
    variables["trigger"] = {"id": trigger.id, "name": trigger.name}
    add_flow_links(variables, info, settings)
    registry = registry or get_action_registry()
    actions = [
        await _preview(registry, index, step.type, step.config, variables, met)
        for index, step in enumerate(parse_steps(trigger.actions))
    ]
    return TriggerTest(
        event={"id": event_id, "type": info.type.value, "data": dict(info.data)},
        conditions_met=met,
        explanation=explanation_tree(result),
        condition_result=result,
        variables=sorted(variables),
        actions=actions,
    )


async def _recorded(
    session: AsyncSession, company_id: str, trigger: Trigger, event_id: str
) -> OutboxEvent:
    event = await session.scalar(
        sa.select(OutboxEvent).where(
            OutboxEvent.id == event_id, OutboxEvent.company_id == company_id
        )
    )
    if event is None:
        raise NotFound(f"No recorded event {event_id} (events are kept for a while only).")
    if event.event_type is not trigger.event_type:
        raise ValidationFailed(
            [
                FieldProblem(
                    "/eventId",
                    f"Event {event_id} is {event.event_type.value}; "
                    f"the trigger runs on {trigger.event_type.value}.",
                    "event_type_mismatch",
                )
            ]
        )
    return event


def _sample(trigger: Trigger, payload: Mapping[str, Any]) -> OutboxEvent:
    """An event that never happened, as the trigger would see one: never added to a session."""
    return OutboxEvent(
        id=SAMPLE_EVENT_ID,
        company_id=trigger.company_id,
        event_type=trigger.event_type,
        payload=dict(payload),
        task_id=trigger.task_id,
        flow_id=trigger.flow_id,
        table_id=trigger.table_id,
        trigger_id=trigger.id,
        chain_depth=0,
        created_at=utcnow(),
    )


async def _preview(
    registry: ActionRegistry,
    index: int,
    kind: str,
    raw: Any,
    variables: dict[str, Any],
    met: bool,
) -> ActionPreview:
    path = f"actions[{index}].config"
    description, rendered, error = "", raw, None
    with collecting_warnings() as warnings:
        try:
            action = registry.get(kind)
            description = action.description
            rendered = await render_value(raw, variables, path=path)
            parsed = action.parse_config(rendered if action.render_config else raw, path=path)
        except ValidationFailed as exc:
            error = "; ".join(p.message for p in exc.problems) or exc.message
        except ErpError as exc:
            error = exc.message
        else:
            if action.adds_variables is not None:
                # Names the action supplies itself (send_email's `variables`) are filled when
                # it runs, not missing.
                own = set(action.adds_variables(parsed))
                warnings[:] = [w for w in warnings if not any(f"{{{{ {n} }}}}" in w for n in own)]
    return ActionPreview(
        index=index,
        type=kind,
        description=description,
        would_run=met,
        config=msgspec.to_builtins(rendered),
        warnings=list(warnings),
        error=error,
    )
