"""A frozen flow definition as the engine reads it: levels, their tasks, roles and rules, and
the branches between them, parsed once from the JSON snapshot an instance is pinned to."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import FlowDefinition
from core.rules import CompiledRule, RuleError, compile_rule

END = "END"
"""A branch target meaning "the flow is complete" (FlowBranch.to_level_id or a spec's toLevel)."""

CompletionMode = Literal["any", "all", "count"]
DeadlineAction = Literal["notify", "escalate", "reject"]


@dataclass(frozen=True, slots=True)
class TaskDef:
    """A task placed on a level, with the fields, logic and validations it had when the flow
    was frozen."""

    id: str
    name: str
    fields: list[dict[str, Any]]
    logic: dict[str, Any]
    validations: list[Any]

    def field_ids_by_label(self) -> dict[str, str]:
        return {
            str(f["label"]): str(f["id"])
            for f in self.fields
            if isinstance(f.get("label"), str) and "id" in f
        }

    def keyed_by_field_id(self, data: Any) -> Any:
        """Submitted values with field labels as keys too ("Amount" for "field_2"), as
        conditions read them, turned to field ids."""
        if not isinstance(data, dict):
            return data
        ids = {str(f.get("id")) for f in self.fields}
        by_label = self.field_ids_by_label()
        return {(k if k in ids else by_label.get(k, k)): v for k, v in data.items()}

    def context_values(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        """Cleaned values under field id and label, as an instance's context holds them."""
        values = dict(cleaned)
        for label, field_id in self.field_ids_by_label().items():
            if field_id in cleaned:
                values[label] = cleaned[field_id]
        return values


@dataclass(frozen=True, slots=True)
class LevelDef:
    """One level: who acts (roles), what they do (tasks) and how the level completes."""

    id: str
    order: int
    name: str
    tasks: tuple[TaskDef, ...]
    role_ids: tuple[str, ...]
    completion: CompletionMode
    count: int
    deadline_hours: float | None
    deadline_action: DeadlineAction | None
    escalate_to: str | None
    send_back_to: int | None
    decision_field: str | None
    reject_values: tuple[Any, ...]

    def task(self, task_id: str) -> TaskDef | None:
        return next((t for t in self.tasks if t.id == task_id), None)


@dataclass(frozen=True, slots=True)
class BranchDef:
    """A conditional jump after a level completes; `to_level` None means the flow completes."""

    id: str
    name: str
    from_level: int
    to_level: int | None
    priority: int
    rule: CompiledRule


@dataclass(frozen=True, slots=True)
class FlowSnapshot:
    """The parsed snapshot of one FlowDefinition row."""

    definition_id: str
    flow_id: str
    flow_name: str
    levels: dict[int, LevelDef]
    branches: dict[int, tuple[BranchDef, ...]]
    version: str | None = None
    """The semantic version of the release the definition was frozen from (core.versions);
    None for a definition frozen from the flow's own rows (unreleased)."""
    version_id: str | None = None

    def level(self, order: int) -> LevelDef:
        return self.levels[order]

    def next_level(
        self, order: int, context: dict[str, Any]
    ) -> tuple[int | None, BranchDef | None]:
        """Where an instance goes when level `order` completes: the first branch (by priority)
        whose condition holds on `context`, else the next level in order; None is the end."""
        for branch in self.branches.get(order, ()):
            try:
                if branch.rule.matches(context):
                    return branch.to_level, branch
            except RuleError:
                # A failing plugin operator must not strand the instance: the branch is
                # treated as not holding, and the default route applies.
                continue
        later = [o for o in self.levels if o > order]
        return (min(later) if later else None), None


def parse_snapshot(definition_id: str, snapshot: dict[str, Any]) -> FlowSnapshot:
    """The engine's view of a snapshot produced by `core.flows.checks.compile_definition`."""
    levels = {}
    for raw in snapshot["levels"]:
        completion = raw["completion"]
        on_reject = raw["onReject"]
        decision = raw.get("decision")
        # Snapshots frozen before onDeadline existed: a deadline notifies.
        on_deadline = raw.get("onDeadline") or (
            {"action": "notify"} if raw.get("deadlineHours") else None
        )
        levels[raw["order"]] = LevelDef(
            id=raw["id"],
            order=raw["order"],
            name=raw["name"],
            tasks=tuple(
                TaskDef(
                    t["id"],
                    t["name"],
                    t["fields"],
                    t.get("logic") or {},
                    t.get("validations") or [],
                )
                for t in raw["tasks"]
            ),
            role_ids=tuple(r["id"] for r in raw["roles"]),
            completion=completion["mode"],
            count=completion.get("count", 1),
            deadline_hours=raw.get("deadlineHours"),
            deadline_action=on_deadline["action"] if on_deadline else None,
            escalate_to=on_deadline.get("userId") if on_deadline else None,
            send_back_to=on_reject.get("sendBackTo"),
            decision_field=decision["fieldId"] if decision else None,
            reject_values=tuple(decision["rejectValues"]) if decision else (),
        )
    branches: dict[int, list[BranchDef]] = {}
    for raw in snapshot["branches"]:
        branches.setdefault(raw["fromLevel"], []).append(
            BranchDef(
                id=raw["id"],
                name=raw["name"],
                from_level=raw["fromLevel"],
                to_level=raw["toLevel"],
                priority=raw["priority"],
                rule=compile_rule(raw["rule"]),
            )
        )
    version, version_id = released_version(snapshot)
    return FlowSnapshot(
        definition_id=definition_id,
        flow_id=snapshot["flow"]["id"],
        flow_name=snapshot["flow"]["name"],
        version=version,
        version_id=version_id,
        levels=levels,
        branches={
            order: tuple(sorted(items, key=lambda b: b.priority))
            for order, items in branches.items()
        },
    )


def released_version(snapshot: dict[str, Any]) -> tuple[str | None, str | None]:
    """(semver, version id) of the release a snapshot was frozen from, or (None, None). A
    snapshot frozen from the flow's rows also carries a `version` key: the seed's column of
    the flow row, always "1.0", which is no release (only `versionId` marks one)."""
    flow = snapshot.get("flow") or {}
    version_id = flow.get("versionId")
    if not isinstance(version_id, str):
        return None, None
    version = flow.get("version")
    return (version if isinstance(version, str) else None), version_id


_CACHE_SIZE = 512
_cache: OrderedDict[tuple[str, str], FlowSnapshot] = OrderedDict()
_lock = threading.Lock()


async def load_snapshot(
    session: AsyncSession, *, company_id: str, definition_id: str
) -> FlowSnapshot:
    """The parsed definition; definitions never change, so each is read and parsed once."""
    key = (company_id, definition_id)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    snapshot = await session.scalar(
        sa.select(FlowDefinition.snapshot).where(
            FlowDefinition.id == definition_id, FlowDefinition.company_id == company_id
        )
    )
    if snapshot is None:
        raise NotFound(f"Flow definition {definition_id} does not exist.")
    parsed = parse_snapshot(definition_id, snapshot)
    with _lock:
        _cache[key] = parsed
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return parsed
