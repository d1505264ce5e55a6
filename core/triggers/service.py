"""Triggers of a company: created and changed only when every part is valid (conditions
against the task's or table's fields, action types and configs, settings, schedule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ErpError, FieldProblem, NotFound, ValidationFailed
from core.events.payloads import FLOW_EVENT_VARIABLES, PAYLOAD_KEYS
from core.models import CustomTable, EventType, Flow, Task, Trigger
from core.rules import RuleError
from core.rules.fields import field_names
from core.rules.service import prepare_rule
from core.templating import template_names
from core.triggers.conditions import Fields, fields_of, slug
from core.triggers.matching import fields_of_flows
from core.triggers.references import referenced_templates, unknown_references
from core.triggers.registry import ActionRegistry, get_action_registry
from core.triggers.trigger_settings import parse_settings, parse_steps

EDITABLE = (
    "name",
    "description",
    "is_active",
    "event_type",
    "event_config",
    "conditions",
    "actions",
    "settings",
    "task_id",
    "flow_id",
    "table_id",
)


@dataclass(slots=True)
class TriggerSpec:
    """A trigger as a builder writes it (the seed's JSON shapes)."""

    name: str
    event_type: EventType
    actions: list[Any] = field(default_factory=list)
    description: str | None = None
    is_active: bool = True
    event_config: dict[str, Any] = field(default_factory=dict)
    conditions: Any = None
    settings: dict[str, Any] = field(default_factory=dict)
    task_id: str | None = None
    flow_id: str | None = None
    table_id: str | None = None


async def list_triggers(
    session: AsyncSession,
    *,
    company_id: str,
    event_type: EventType | None = None,
    task_id: str | None = None,
    flow_id: str | None = None,
    table_id: str | None = None,
    is_active: bool | None = None,
) -> list[Trigger]:
    query = sa.select(Trigger).where(Trigger.company_id == company_id)
    for column, value in (
        (Trigger.event_type, event_type),
        (Trigger.task_id, task_id),
        (Trigger.flow_id, flow_id),
        (Trigger.table_id, table_id),
        (Trigger.is_active, is_active),
    ):
        if value is not None:
            query = query.where(column == value)
    return list((await session.scalars(query.order_by(Trigger.created_at, Trigger.id))).all())


async def get_trigger(session: AsyncSession, *, company_id: str, trigger_id: str) -> Trigger:
    trigger = await session.scalar(
        sa.select(Trigger).where(Trigger.id == trigger_id, Trigger.company_id == company_id)
    )
    if trigger is None:
        raise NotFound(f"Trigger {trigger_id} not found.")
    return trigger


async def create_trigger(
    session: AsyncSession,
    *,
    company_id: str,
    spec: TriggerSpec,
    registry: ActionRegistry | None = None,
) -> Trigger:
    values = {name: getattr(spec, name) for name in EDITABLE}
    await validate_trigger(
        session, company_id=company_id, values=values, registry=registry, check_references=True
    )
    trigger = Trigger(company_id=company_id, **values)
    session.add(trigger)
    await session.flush()
    return trigger


async def update_trigger(
    session: AsyncSession,
    *,
    company_id: str,
    trigger_id: str,
    changes: dict[str, Any],
    registry: ActionRegistry | None = None,
) -> Trigger:
    """Apply `changes` (any of EDITABLE); the result is validated as a whole."""
    trigger = await get_trigger(session, company_id=company_id, trigger_id=trigger_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed([FieldProblem(k, "cannot be changed", "read_only") for k in unknown])
    values = {name: changes.get(name, getattr(trigger, name)) for name in EDITABLE}
    # A flow or table an action names may be gone since: the trigger can still be switched
    # off or renamed; the names are checked when the actions themselves change.
    await validate_trigger(
        session,
        company_id=company_id,
        values=values,
        registry=registry,
        check_references="actions" in changes,
    )
    for name, value in changes.items():
        setattr(trigger, name, value)
    await session.flush()
    return trigger


async def delete_trigger(session: AsyncSession, *, company_id: str, trigger_id: str) -> None:
    await session.delete(await get_trigger(session, company_id=company_id, trigger_id=trigger_id))
    await session.flush()


async def validate_trigger(
    session: AsyncSession,
    *,
    company_id: str,
    values: dict[str, Any],
    registry: ActionRegistry | None = None,
    check_references: bool = False,
) -> None:
    """Raise ValidationFailed listing every problem of the trigger's definition; with
    `check_references`, also every flow, table, template or integration an action names
    that the company does not have."""
    registry = registry or get_action_registry()
    problems: list[FieldProblem] = []
    if not str(values.get("name") or "").strip():
        problems.append(FieldProblem("name", "is required", "required"))
    event_type = values["event_type"]
    fields = await _attachments(session, company_id, values, problems)
    if values.get("conditions") not in (None, {}, []):
        try:
            prepare_rule(values["conditions"], fields)
        except RuleError as exc:
            problems += [
                FieldProblem(
                    "conditions" + "".join(f"/{p}" for p in problem.path),
                    problem.message,
                    problem.code,
                )
                for problem in exc.problems
            ]
    problems += _collect(lambda: parse_settings(values.get("settings")))
    steps_problems = _collect(lambda: parse_steps(values.get("actions")))
    problems += steps_problems
    if not steps_problems:
        for index, step in enumerate(parse_steps(values.get("actions"))):
            try:
                action = registry.get(step.type)
            except ErpError as exc:
                problems.append(FieldProblem(f"actions[{index}].type", exc.message, exc.code))
                continue
            problems += _collect(
                lambda a=action, s=step, i=index: a.parse_config(
                    s.config, path=f"actions[{i}].config"
                )
            )
        known = _known_variables(event_type, fields)
        problems += _unknown_variables(
            registry, parse_steps(values.get("actions")), values.get("actions"), known
        )
        if check_references:
            problems += await _unknown_template_variables(
                session, company_id, registry, values.get("actions"), known
            )
            for index, key, entity, value in await unknown_references(
                session, company_id, values.get("actions")
            ):
                problems.append(
                    FieldProblem(
                        f"actions[{index}].config.{key}",
                        f"no {entity} {value!r} in the company",
                        "unknown",
                    )
                )
    if event_type is EventType.SCHEDULED:
        from core.models import utcnow
        from core.scheduling import parse_schedule

        problems += _collect(
            lambda: parse_schedule(values.get("event_config") or {}, anchor=utcnow())
        )
    if problems:
        raise ValidationFailed(problems, "The trigger is not valid.")


def _known_variables(event_type: EventType, fields: Fields | None) -> frozenset[str] | None:
    """Every variable an event of this type can offer a trigger with these fields (the
    naming rule of core.triggers.conditions.event_variables), or None when it cannot be
    known: an open payload (a webhook's body), or the fields of whatever task or table the
    event comes from (a trigger attached to nothing)."""
    keys = PAYLOAD_KEYS.get(event_type)
    if keys is None or ("data" in keys and fields is None):
        return None
    names = set(keys) | {slug(key) for key in keys} | {"event", "trigger"}
    if "instanceId" in keys:
        names |= FLOW_EVENT_VARIABLES
    if "data" in keys:
        for definition in fields or ():
            names.update(field_names(definition))
    return frozenset(names)


def event_variable_names(event_type: EventType) -> frozenset[str] | None:
    """The variables every event of this type offers, before the fields of what a trigger
    is attached to (None: an open payload)."""
    return _known_variables(event_type, [])


def _unknown_variables(
    registry: ActionRegistry, steps: list[Any], raw: Any, known: frozenset[str] | None
) -> list[FieldProblem]:
    """A problem for each template variable of an action's settings that can never exist."""
    if known is None:
        return []
    problems: list[FieldProblem] = []
    for index, step in enumerate(steps):
        allowed = _allowed_variables(registry, step, known)
        if allowed is None:
            continue  # the action's type or config was reported above
        settings = raw[index].get("config") if isinstance(raw[index], dict) else None
        for path, text in _texts(settings, f"actions[{index}].config"):
            try:
                names = template_names(text)
            except ErpError as exc:
                problems.append(FieldProblem(path, exc.message, "invalid_template"))
                continue
            for name in sorted(names - allowed):
                problems.append(
                    FieldProblem(
                        path,
                        f"no variable {name!r}: it is neither a field of what the trigger is "
                        "attached to nor a variable of its event",
                        "unknown_variable",
                    )
                )
    return problems


def _allowed_variables(
    registry: ActionRegistry, step: Any, known: frozenset[str]
) -> frozenset[str] | None:
    """The event's variables and those the action adds itself (send_email's `variables`);
    None when the action's type or config is not valid."""
    try:
        action = registry.get(step.type)
        config = action.parse_config(step.config)
    except ErpError:
        return None
    return known | set(action.adds_variables(config) if action.adds_variables else ())


async def _unknown_template_variables(
    session: AsyncSession,
    company_id: str,
    registry: ActionRegistry,
    actions: Any,
    known: frozenset[str] | None,
) -> list[FieldProblem]:
    """A problem for each variable of a stored e-mail template an action names that its
    trigger's events can never offer (the template is rendered with the same variables)."""
    if known is None:
        return []
    steps = parse_steps(actions)
    problems: list[FieldProblem] = []
    for index, setting, template in await referenced_templates(session, company_id, actions):
        texts = {"subject": template.subject, "body": template.body}
        for part, name in _template_gaps(texts, _allowed_variables(registry, steps[index], known)):
            problems.append(
                FieldProblem(
                    f"actions[{index}].config.{setting}",
                    f"the template {template.name!r} uses {name!r} in its {part}, which is "
                    "neither a field of what the trigger is attached to nor a variable of "
                    "its event",
                    "unknown_variable",
                )
            )
    return problems


@dataclass(frozen=True, slots=True)
class TemplateSender:
    """An active trigger whose actions send a stored e-mail template, and the variables its
    events offer the template (None when they cannot be known: a webhook's open body, or a
    trigger attached to nothing)."""

    trigger_id: str
    trigger_name: str
    event_type: EventType
    variables: frozenset[str] | None


async def template_senders(
    session: AsyncSession, company_id: str, template_id: str
) -> list[TemplateSender]:
    """Every active trigger of the company sending the template, with what it can fill."""
    registry = get_action_registry()
    senders: list[TemplateSender] = []
    triggers = await session.scalars(
        sa.select(Trigger)
        .where(Trigger.company_id == company_id, Trigger.is_active.is_(True))
        .order_by(Trigger.name)
    )
    for trigger in triggers:
        indexes = [
            index
            for index, _setting, found in await referenced_templates(
                session, company_id, trigger.actions
            )
            if found.id == template_id
        ]
        if not indexes:
            continue
        values = {name: getattr(trigger, name) for name in EDITABLE}
        fields = await _attachments(session, company_id, values, [])
        known = _known_variables(trigger.event_type, fields)
        steps = parse_steps(trigger.actions)
        allowed: frozenset[str] | None = None
        if known is not None:
            # Each sending action may add its own (send_email's `variables`); what the
            # template may use is what every one of them fills.
            allowed = frozenset.intersection(
                *(_allowed_variables(registry, steps[index], known) or known for index in indexes)
            )
        senders.append(TemplateSender(trigger.id, trigger.name, trigger.event_type, allowed))
    return senders


async def unfillable_by_senders(
    session: AsyncSession, company_id: str, template_id: str, texts: dict[str, str]
) -> list[FieldProblem]:
    """A problem for each variable of a stored template's `texts` (subject and body, as they
    would be after a change) that an active trigger sending it could never fill: a changed
    template is held to the triggers that send it, as a trigger to the templates it names."""
    problems: list[FieldProblem] = []
    for sender in await template_senders(session, company_id, template_id):
        if sender.variables is None:
            continue
        for part, name in _template_gaps(texts, sender.variables):
            message = (
                f"{name!r} is not a variable of trigger {sender.trigger_name!r}, which sends it"
            )
            problems.append(FieldProblem(f"/{part}", message, "unknown_variable"))
    return problems


def _template_gaps(texts: dict[str, str], allowed: frozenset[str] | None) -> list[tuple[str, str]]:
    """(subject or body, name) of each variable of a template's texts outside `allowed`;
    nothing when the action is not valid (reported already) or a text cannot be parsed (the
    template's own save refuses that)."""
    if allowed is None:
        return []
    gaps = []
    for part, text in texts.items():
        try:
            names = template_names(text)
        except ErpError:
            continue
        gaps += [(part, name) for name in sorted(names - allowed)]
    return gaps


def _texts(value: Any, path: str) -> list[tuple[str, str]]:
    """Every string in a setting, with its path (`actions[0].config.body.amount`)."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in _texts(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [t for i, item in enumerate(value) for t in _texts(item, f"{path}[{i}]")]
    return []


def _collect(check: Any) -> list[FieldProblem]:
    try:
        check()
    except ValidationFailed as exc:
        return list(exc.problems)
    return []


async def _attachments(
    session: AsyncSession, company_id: str, values: dict[str, Any], problems: list[FieldProblem]
) -> Fields | None:
    """Check the task/flow/table belongs to the company; return the fields rules may read."""
    fields: Fields | None = None
    for key, model, column in (
        ("task_id", Task, Task.fields),
        ("table_id", CustomTable, CustomTable.schema),
        ("flow_id", Flow, None),
    ):
        value = values.get(key)
        if not value:
            continue
        query = sa.select(model.id if column is None else column).where(
            model.id == value, model.company_id == company_id
        )
        row = (await session.execute(query)).first()
        if row is None:
            problems.append(
                FieldProblem(key, f"no such {model.__name__} in the company", "unknown")
            )
        elif column is not None and fields is None:
            fields = fields_of(row[0])
        elif column is None and fields is None:
            # A flow's triggers read the fields of every task of the flow (by any name).
            fields = (await fields_of_flows(session, [value])).get(value)
    return fields
