"""The response body of a frozen flow definition (`GET /flow-definitions/{id}`, and what
publishing a flow answers): every level with its roles and rules, and every task with the
fields, logic and validations the server checks a submission against, so that a client can
render a step's form from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from api.structs import Out
from core.flows import FrozenDefinition
from core.plugins.fields import FieldDefinition
from core.schema import CompiledSchema


class NamedRefOut(Out):
    id: str
    name: str


class OptionOut(Out):
    value: str
    """What is stored and submitted."""
    label: str
    """What is shown."""


class FieldValidationOut(Out):
    """The field's own rules (those its type honours): text length and pattern (the whole
    text must match), bounds of a number or date."""

    min_length: int | None
    max_length: int | None
    min: int | float | str | None
    max: int | float | str | None
    pattern: str | None


class FormFieldOut(Out):
    """A field of a task as frozen, normalised the way the server reads it."""

    id: str
    """The key of its value in a submission (its label is accepted too)."""
    type: str
    """A field type (`GET /field-types`): text, number, dropdown, file, ..."""
    label: str
    kind: Literal["string", "number", "date", "boolean", "list"] | None
    """How conditions see its value; null when its type is no longer installed."""
    required: bool
    """Required as defined; `logic` may require it on conditions too."""
    placeholder: str | None
    description: str | None
    help_text: str | None
    default_value: Any
    options: list[OptionOut]
    """The choices of a dropdown or multi-select (empty for other types)."""
    validation: FieldValidationOut
    settings: dict[str, Any]
    """The type's settings with their defaults filled in (`GET /field-types` names them)."""


class FieldLogicOut(Out):
    visible: Any = None
    """When the field is shown (JSONLogic or the seed's condition format); null: always. A
    hidden field's value is dropped from a submission."""
    required: Any = None
    """When the field is required besides `required`; null: never."""


class FormLogicOut(Out):
    fields: dict[str, FieldLogicOut]
    """Keyed by field id."""


class FormValidationOut(Out):
    rule: Any
    """Must hold on the submitted values (JSONLogic or the seed's condition format)."""
    message: str
    fields: list[str]
    """Where a broken rule is reported (empty: the form as a whole)."""


class DefinitionTaskOut(Out):
    id: str
    name: str
    fields: list[FormFieldOut]
    logic: FormLogicOut
    validations: list[FormValidationOut]


class CompletionOut(Out):
    mode: Literal["any", "all", "count"]
    """any: one approval closes the level; all: everyone asked; count: `count` people."""
    count: int


class OnDeadlineOut(Out):
    action: Literal["notify", "escalate", "reject"]
    user_id: str | None
    """Whom an escalation hands the task to."""


class OnRejectOut(Out):
    action: Literal["fail", "sendBack"]
    send_back_to: int | None
    """The level order a rejection sends the instance back to."""


class DecisionOut(Out):
    field_id: str
    """A field of one of the level's tasks..."""
    reject_values: list[Any]
    """...whose value, when one of these, makes the submission a rejection."""


class DefinitionLevelOut(Out):
    id: str
    order: int
    name: str
    description: str | None
    roles: list[NamedRefOut]
    """Holders of these roles act on the level (none: the initiator does)."""
    tasks: list[DefinitionTaskOut]
    """Submitting all of them is a person's approval; none: the level is approved as such."""
    completion: CompletionOut
    deadline_hours: float | None
    on_deadline: OnDeadlineOut | None
    on_reject: OnRejectOut
    decision: DecisionOut | None


class DefinitionBranchOut(Out):
    id: str
    name: str
    from_level: int
    to_level: int | Literal["END"]
    """A level's order, or "END": the flow completes."""
    priority: int
    """Lower is tried first."""
    rule: Any
    """The checked condition, as JSONLogic."""


class FlowDefinitionOut(Out):
    """A flow definition frozen for instances: immutable, so it can be cached for good."""

    id: str
    flow_id: str
    flow_name: str
    version: str | None
    """The semantic version of the release it was frozen from; null when it was frozen from
    the flow's own rows (unreleased, or the company sees no release)."""
    version_id: str | None
    digest: str
    published_at: datetime | None
    """When it became the definition new instances of the published flow start on."""
    created_at: datetime
    levels: list[DefinitionLevelOut]
    branches: list[DefinitionBranchOut]


def frozen_definition_out(frozen: FrozenDefinition) -> FlowDefinitionOut:
    snapshot = frozen.snapshot
    return FlowDefinitionOut(
        id=frozen.row.id,
        flow_id=frozen.row.flow_id,
        flow_name=frozen.flow_name,
        version=frozen.version,
        version_id=frozen.version_id,
        digest=frozen.row.digest,
        published_at=frozen.row.published_at,
        created_at=frozen.row.created_at,
        levels=[_level(level, frozen.forms) for level in snapshot["levels"]],
        branches=[
            DefinitionBranchOut(
                id=b["id"],
                name=b["name"],
                from_level=b["fromLevel"],
                to_level="END" if b["toLevel"] is None else int(b["toLevel"]),
                priority=b["priority"],
                rule=b["rule"],
            )
            for b in snapshot["branches"]
        ],
    )


def _level(raw: dict[str, Any], forms: dict[str, CompiledSchema | None]) -> DefinitionLevelOut:
    completion = raw["completion"]
    on_deadline = raw.get("onDeadline") or (
        # Snapshots frozen before onDeadline existed: a deadline notifies (as the engine reads).
        {"action": "notify"} if raw.get("deadlineHours") else None
    )
    on_reject = raw["onReject"]
    decision = raw.get("decision")
    return DefinitionLevelOut(
        id=raw["id"],
        order=raw["order"],
        name=raw["name"],
        description=raw.get("description"),
        roles=[NamedRefOut(id=r["id"], name=r["name"]) for r in raw["roles"]],
        tasks=[task_out(t, forms.get(t["id"])) for t in raw["tasks"]],
        completion=CompletionOut(mode=completion["mode"], count=completion.get("count", 1)),
        deadline_hours=raw.get("deadlineHours"),
        on_deadline=OnDeadlineOut(action=on_deadline["action"], user_id=on_deadline.get("userId"))
        if on_deadline
        else None,
        on_reject=OnRejectOut(action=on_reject["action"], send_back_to=on_reject.get("sendBackTo")),
        decision=DecisionOut(field_id=decision["fieldId"], reject_values=decision["rejectValues"])
        if decision
        else None,
    )


def task_out(raw: dict[str, Any], form: CompiledSchema | None) -> DefinitionTaskOut:
    """A task's frozen form: `raw` holds its id, name, fields, logic and validations."""
    logic = raw.get("logic") or {}
    return DefinitionTaskOut(
        id=raw["id"],
        name=raw["name"],
        fields=[_field(f, form) for f in raw["fields"] if isinstance(f, dict)],
        logic=FormLogicOut(
            fields={
                str(fid): FieldLogicOut(
                    visible=entry.get("visible"), required=entry.get("required")
                )
                for fid, entry in (logic.get("fields") or {}).items()
                if isinstance(entry, dict)
            }
        ),
        validations=[
            FormValidationOut(
                rule=v.get("rule"), message=str(v.get("message", "")), fields=v.get("fields", [])
            )
            for v in raw.get("validations") or []
            if isinstance(v, dict)
        ],
    )


def _field(raw: dict[str, Any], form: CompiledSchema | None) -> FormFieldOut:
    parsed: FieldDefinition | None = form.by_id.get(str(raw.get("id"))) if form else None
    text = _text(raw)
    if parsed is None:
        return FormFieldOut(
            id=str(raw.get("id")),
            type=str(raw.get("type")),
            label=str(raw.get("label")),
            kind=None,
            required=raw.get("required") is True,
            placeholder=text("placeholder"),
            description=text("description"),
            help_text=text("helpText"),
            default_value=raw.get("defaultValue"),
            options=[o for o in map(_option, raw.get("options") or []) if o is not None],
            validation=_validation(raw.get("validation")),
            settings=_raw_settings(raw.get("settings")),
        )
    assert form is not None
    return FormFieldOut(
        id=parsed.id,
        type=parsed.type,
        label=parsed.label,
        kind=form.kinds[parsed.id],
        required=parsed.required,
        placeholder=parsed.placeholder,
        description=text("description"),
        help_text=text("helpText"),
        default_value=raw.get("defaultValue"),
        options=[OptionOut(value=o.value, label=o.label) for o in parsed.options],
        validation=_validation(msgspec.to_builtins(parsed.validation)),
        settings=_settings(parsed.settings),
    )


def _settings(settings: Any) -> dict[str, Any]:
    """Every setting of the type under its JSON name, defaults included (a settings struct
    may leave defaults out when encoded)."""
    if settings is None:
        return {}
    return {
        f.encode_name: msgspec.to_builtins(getattr(settings, f.name))
        for f in msgspec.structs.fields(settings)
    }


def _raw_settings(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _text(raw: dict[str, Any]) -> Any:
    def get(key: str) -> str | None:
        value = raw.get(key)
        return value if isinstance(value, str) else None

    return get


def _option(item: Any) -> OptionOut | None:
    if isinstance(item, str):
        return OptionOut(value=item, label=item)
    if isinstance(item, dict) and isinstance(item.get("value"), str):
        label = item.get("label")
        return OptionOut(
            value=item["value"], label=label if isinstance(label, str) else item["value"]
        )
    return None


def _validation(raw: Any) -> FieldValidationOut:
    raw = raw if isinstance(raw, dict) else {}
    return FieldValidationOut(
        min_length=raw.get("minLength"),
        max_length=raw.get("maxLength"),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
    )
