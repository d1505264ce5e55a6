"""Simulating a flow: the path an instance would take for sample form data per level, each
level's branches evaluated by the rule engine with their explanations, nothing written.

The walk is the engine's (`FlowSnapshot.next_level`, the decision field's reject values,
send-back targets) on the flow as it is saved now, checked as publishing checks it. Each level
is taken as approved unless its decision field's sample value rejects it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.flows.authoring import draft_of_flow, get_flow
from core.flows.checks import compile_definition
from core.flows.definition import BranchDef, FlowSnapshot, LevelDef, parse_snapshot
from core.rules import RuleError, truthy
from core.rules.service import evaluate_with_trace, explanation_tree
from core.schema import validate_values

LevelOutcome = Literal["branch", "next", "end", "send_back", "fail", "loop"]
Outcome = Literal["completed", "rejected", "loops"]


@dataclass(frozen=True, slots=True)
class LevelSample:
    """Sample values of one level's forms (keys are field ids or labels)."""

    order: int
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BranchTried:
    """One branch out of a level, evaluated on the instance's data at that point."""

    index: int
    """The branch's place in the flow's branches, as the API lists them (`/branches/{i}`)."""
    name: str
    priority: int
    to_level: int | None
    """None: the flow completes."""
    holds: bool
    taken: bool
    explanation: list[dict[str, Any]]
    """The condition's explanation tree (core.rules.service.explanation_tree)."""
    error: str | None = None
    """Why the condition could not be evaluated (it then does not hold, as in the engine)."""


@dataclass(frozen=True, slots=True)
class SimulatedLevel:
    """A level the instance would reach, and where it would go from there."""

    order: int
    name: str
    completion: dict[str, Any]
    roles: list[str]
    data: dict[str, Any]
    """The level's sample values as the instance's context holds them (id and label)."""
    branches: list[BranchTried]
    outcome: LevelOutcome
    next_level: int | None
    decision: dict[str, Any] | None = None
    """{"field", "value", "rejects"} for a level decided by a field of its forms."""


@dataclass(slots=True)
class Simulation:
    outcome: Outcome
    path: list[int]
    levels: list[SimulatedLevel] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)


async def simulate_flow(
    session: AsyncSession,
    *,
    company_id: str,
    flow_id: str,
    samples: Sequence[LevelSample],
) -> Simulation:
    """The path an instance of the flow (as saved now) would take with `samples`. Raises
    FlowDefinitionInvalid when the flow could not be published as it is, and ValidationFailed
    naming every sample that is not a level's or does not fit its forms
    (`/levels/{i}/data/<key>`). Reads only."""
    flow = await get_flow(session, company_id=company_id, flow_id=flow_id)
    snapshot = compile_definition(draft_of_flow(flow))
    parsed = parse_snapshot(f"simulation:{flow.id}", snapshot)
    index_of = {branch["id"]: i for i, branch in enumerate(snapshot["branches"])}
    roles = {r["id"]: r["name"] for level in snapshot["levels"] for r in level["roles"]}
    values = await _sample_values(session, company_id, parsed, samples)

    simulation = Simulation(outcome="completed", path=[])
    context: dict[str, Any] = {}
    seen: set[tuple[int, str]] = set()
    order: int | None = min(parsed.levels)
    while order is not None:
        level = parsed.level(order)
        mine = values.get(order, {})
        context = {**context, **mine}
        state = (order, json.dumps(context, sort_keys=True, default=str))
        step = _Step(level, mine, [r for r in (roles.get(i) for i in level.role_ids) if r])
        if state in seen:
            # Same level, same data: the engine would go round this loop for ever.
            simulation.outcome = "loops"
            simulation.levels.append(step.done("loop", None))
            break
        seen.add(state)
        simulation.path.append(order)
        decision = _decision(level, mine)
        if decision is not None and decision["rejects"]:
            step.decision = decision
            if level.send_back_to is None:
                simulation.outcome = "rejected"
                simulation.levels.append(step.done("fail", None))
                break
            simulation.levels.append(step.done("send_back", level.send_back_to))
            order = level.send_back_to
            continue
        step.decision = decision
        taken = None
        for branch in parsed.branches.get(order, ()):
            tried = _try(branch, context, index_of.get(branch.id, -1), first=taken is None)
            step.branches.append(tried)
            if tried.taken:
                taken = tried
        if taken is not None:
            order = taken.to_level
            simulation.levels.append(step.done("branch" if order is not None else "end", order))
        else:
            later = [o for o in parsed.levels if o > level.order]
            order = min(later) if later else None
            simulation.levels.append(step.done("next" if order is not None else "end", order))
    simulation.context = context
    return simulation


@dataclass(slots=True)
class _Step:
    level: LevelDef
    data: dict[str, Any]
    roles: list[str]
    branches: list[BranchTried] = field(default_factory=list)
    decision: dict[str, Any] | None = None

    def done(self, outcome: LevelOutcome, next_level: int | None) -> SimulatedLevel:
        level = self.level
        completion: dict[str, Any] = {"mode": level.completion}
        if level.completion == "count":
            completion["count"] = level.count
        return SimulatedLevel(
            order=level.order,
            name=level.name,
            completion=completion,
            roles=self.roles,
            data=self.data,
            branches=self.branches,
            outcome=outcome,
            next_level=next_level,
            decision=self.decision,
        )


def _try(branch: BranchDef, context: dict[str, Any], index: int, *, first: bool) -> BranchTried:
    try:
        result, trace = evaluate_with_trace(branch.rule.rule, context)
    except RuleError as exc:
        return BranchTried(
            index, branch.name, branch.priority, branch.to_level, False, False, [], exc.message
        )
    holds = truthy(result)
    return BranchTried(
        index,
        branch.name,
        branch.priority,
        branch.to_level,
        holds,
        holds and first,
        explanation_tree(trace),
    )


def _decision(level: LevelDef, data: dict[str, Any]) -> dict[str, Any] | None:
    if level.decision_field is None:
        return None
    value = data.get(level.decision_field)
    return {
        "field": level.decision_field,
        "value": value,
        "rejects": value is not None and value in level.reject_values,
    }


async def _sample_values(
    session: AsyncSession,
    company_id: str,
    parsed: FlowSnapshot,
    samples: Sequence[LevelSample],
) -> dict[int, dict[str, Any]]:
    """{level order: its samples cleaned by its forms, under field id and label}."""
    problems: list[FieldProblem] = []
    out: dict[int, dict[str, Any]] = {}
    for index, sample in enumerate(samples):
        where = f"/levels/{index}"
        level = parsed.levels.get(sample.order)
        if level is None:
            problems.append(
                FieldProblem(f"{where}/order", f"The flow has no level {sample.order}.", "unknown")
            )
            continue
        if sample.order in out:
            problems.append(
                FieldProblem(f"{where}/order", f"Level {sample.order} is given twice.", "duplicate")
            )
            continue
        out[sample.order] = await _level_values(
            session, company_id, level, sample.data, f"{where}/data", problems
        )
    if problems:
        raise ValidationFailed(problems, "The sample data does not fit the flow's forms.")
    return out


async def _level_values(
    session: AsyncSession,
    company_id: str,
    level: LevelDef,
    data: Mapping[str, Any],
    where: str,
    problems: list[FieldProblem],
) -> dict[str, Any]:
    """The values of `data` its level's forms know, each checked as a pre-filled value is
    (type, options, rules; required fields and logic wait for a real submission)."""
    values: dict[str, Any] = {}
    known: set[str] = set()
    for task in level.tasks:
        ids = {str(f.get("id")) for f in task.fields}
        by_label = task.field_ids_by_label()
        given: dict[str, str] = {}
        mine: dict[str, Any] = {}
        for key, value in data.items():
            field_id = key if key in ids else by_label.get(key)
            if field_id is not None:
                given[field_id], mine[field_id] = key, value
                known.add(key)
        if not mine:
            continue
        try:
            cleaned = await validate_values(
                session, company_id=company_id, fields=task.fields, data=mine
            )
        except ValidationFailed as exc:
            for p in exc.problems:
                problems.append(
                    FieldProblem(f"{where}/{given.get(p.path, p.path)}", p.message, p.code)
                )
            continue
        values.update(task.context_values(cleaned))
    problems.extend(
        FieldProblem(f"{where}/{key}", "is not a field of this level's forms", "unknown_field")
        for key in data
        if key not in known
    )
    return values
