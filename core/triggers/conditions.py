"""The variables an event offers to conditions and templates, and condition evaluation with
the rule engine's explanation (stored as the execution's `conditionResult`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from core.rules import RuleError, truthy
from core.rules.fields import field_names, label_slug
from core.rules.service import evaluate_with_trace
from core.triggers.actions import EventInfo

Fields = list[Mapping[str, Any]]


@lru_cache(maxsize=4096)
def slug(label: str) -> str:
    """ "Employee Name" -> "employee_name": how a field label is written in a template.
    Remembered: every event of a kind has the same keys, and the regex costs more than
    the lookup."""
    return label_slug(label)


def event_variables(
    event: EventInfo, fields: Iterable[Mapping[str, Any]] | None = None, trigger_name: str = ""
) -> dict[str, Any]:
    """The payload's keys; the submitted values of `payload["data"]` lifted to the top level;
    each field's value under every name of the field (`field_names`: id, label, label slug,
    `field_<slug>`); the slug of every other key; and the event and trigger under `event` and
    `trigger`. A payload key wins over a field of the same name."""
    values: dict[str, Any] = dict(event.data)
    submitted = event.data.get("data")
    if isinstance(submitted, Mapping):
        for key, value in submitted.items():
            values.setdefault(str(key), value)
    for field in fields or ():
        names = field_names(field)
        # Flows carry their context data under field ids and labels both.
        present = next((n for n in names[:2] if n in values), None)
        if present is not None:
            for name in names:
                values.setdefault(name, values[present])
    for key in list(values):
        alias = slug(key)
        if alias and alias != key:
            values.setdefault(alias, values[key])
    values["event"] = {
        "id": event.id,
        "type": event.type.value,
        "occurredAt": event.occurred_at.isoformat(),
        "taskId": event.task_id,
        "flowId": event.flow_id,
        "tableId": event.table_id,
        "chainDepth": event.chain_depth,
    }
    values["trigger"] = {"id": event.trigger_id, "name": trigger_name}
    return values


def evaluate_conditions(
    conditions: Any, variables: Mapping[str, Any], fields: Fields | None = None
) -> tuple[bool, dict[str, Any]]:
    """Whether the conditions hold, and the explanation. No conditions always hold. A rule
    that cannot be evaluated does not hold; its problems are the explanation."""
    if conditions is None or conditions == {} or conditions == []:
        return True, {"matched": True, "rule": None, "steps": [], "reason": "no conditions"}
    try:
        # Open names: a seed condition may name an event variable (`levelName`) beside the
        # fields; what the fields do not name reads the variable so named.
        result, trace = evaluate_with_trace(conditions, variables, fields, open_names=True)
    except RuleError as exc:
        return False, {
            "matched": False,
            "error": exc.message,
            "problems": [p.as_dict() for p in exc.problems],
        }
    matched = truthy(result)
    trace["matched"] = matched
    return matched, trace


def fields_of(definition: Any) -> Fields | None:
    """Field definitions of a task's `fields` or a custom table's `schema` (a list, or an
    object holding `fields`)."""
    if isinstance(definition, Mapping):
        definition = definition.get("fields")
    if isinstance(definition, list):
        return [f for f in definition if isinstance(f, Mapping)]
    return None
