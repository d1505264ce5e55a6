"""Flows with their levels and branches: levels name their tasks and roles by name, an
escalation its user by e-mail; `status: PUBLISHED` publishes the flow as written."""

from __future__ import annotations

import copy
import json
from typing import Any

import sqlalchemy as sa

from core.definitions.documents import BranchDoc, FlowDoc, LevelDoc
from core.definitions.kinds.base import Kind, missing, refuse
from core.definitions.state import Context, Item
from core.errors import FieldProblem
from core.flows import END, BranchSpec, FlowSpec, LevelSpec, get_flow, use_cases
from core.models import Flow, FlowStatus

STATUSES = (FlowStatus.DRAFT, FlowStatus.PUBLISHED, FlowStatus.ARCHIVED)


class Flows(Kind):
    kind = "flows"
    label = "flow"
    entity = "Flow"
    document = FlowDoc
    read = "flows.read"
    write = "flows.write"
    children = "triggers"
    renamed = {"taskIds": "tasks"}

    async def export(self, ctx: Context) -> list[Item]:
        ids = await ctx.session.scalars(sa.select(Flow.id).where(Flow.company_id == ctx.company_id))
        items = []
        for flow_id in list(ids):
            flow = await get_flow(ctx.session, company_id=ctx.company_id, flow_id=flow_id)
            order_of = {level.id: level.order for level in flow.levels}
            levels = [
                LevelDoc(
                    order=level.order,
                    name=level.name,
                    description=level.description,
                    tasks=[link.task.name for link in level.tasks],
                    roles=[role.name for role in level.roles],
                    config=_escalation(level.config or {}, lambda i: ctx.names.name_of("User", i)),
                )
                for level in flow.levels
            ]
            branches = sorted(
                (
                    BranchDoc(
                        name=branch.name,
                        from_level=order_of.get(branch.from_level_id, 0),
                        to_level="END"
                        if branch.to_level_id == END
                        else order_of.get(branch.to_level_id, 0),
                        priority=branch.priority,
                        conditions=branch.conditions,
                    )
                    for branch in flow.branches
                ),
                # Ids differ between installations: the order is the content's own.
                key=lambda b: (
                    b.from_level,
                    b.priority,
                    b.name,
                    json.dumps(b.conditions, sort_keys=True, default=str),
                    str(b.to_level),
                ),
            )
            document = FlowDoc(
                name=flow.name,
                description=flow.description,
                status=flow.status,
                config=dict(flow.config or {}),
                levels=levels,
                branches=branches,
            )
            items.append(self.item(flow.id, flow.name, document))
        return items

    def _spec(self, ctx: Context, item: Item) -> FlowSpec:
        doc = item.document
        problems = []
        levels = []
        for i, level in enumerate(doc["levels"]):
            task_ids = []
            for j, task in enumerate(level["tasks"]):
                task_id = ctx.names.id_of("Task", task)
                if task_id is None:
                    problems.append(missing(f"/levels/{i}/tasks/{j}", "task", task))
                task_ids.append(task_id or task)
            levels.append(
                LevelSpec(
                    order=level["order"],
                    name=level["name"],
                    description=level["description"],
                    task_ids=task_ids,
                    roles=list(level["roles"]),
                    config=_escalation(level["config"], lambda e: ctx.names.id_of("User", e)),
                )
            )
        refuse(*problems)
        branches = [
            BranchSpec(
                name=branch["name"],
                from_level=branch["fromLevel"],
                to_level=branch["toLevel"],
                conditions=branch["conditions"],
                priority=branch["priority"],
            )
            for branch in doc["branches"]
        ]
        return FlowSpec(
            name=doc["name"],
            description=doc["description"],
            config=doc["config"],
            levels=levels,
            branches=branches,
        )

    def _wanted(self, item: Item) -> FlowStatus:
        status = FlowStatus(item.document["status"])
        if status not in STATUSES:
            refuse(
                FieldProblem(
                    "/status",
                    "A flow's status here is one of " + ", ".join(s.value for s in STATUSES) + ".",
                    "invalid",
                )
            )
        return status

    async def create(self, ctx: Context, item: Item) -> str:
        wanted = self._wanted(item)
        flow = await use_cases.create_flow(ctx.session, ctx.principal, spec=self._spec(ctx, item))
        await self._move(ctx, flow.id, FlowStatus.DRAFT, wanted, rewritten=True)
        return str(flow.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        wanted = self._wanted(item)
        rewritten = bool(changed - {"status"})
        if rewritten:
            await use_cases.replace_flow(
                ctx.session, ctx.principal, flow_id=str(current.id), spec=self._spec(ctx, item)
            )
        status = FlowStatus(current.document["status"])
        await self._move(ctx, str(current.id), status, wanted, rewritten=rewritten)

    async def _move(
        self, ctx: Context, flow_id: str, status: FlowStatus, wanted: FlowStatus, *, rewritten: bool
    ) -> None:
        if wanted is FlowStatus.PUBLISHED and (rewritten or status is not wanted):
            await use_cases.publish_flow(ctx.session, ctx.principal, flow_id=flow_id)
        elif wanted is FlowStatus.ARCHIVED and status is not wanted:
            await use_cases.archive_flow(ctx.session, ctx.principal, flow_id=flow_id)
        elif wanted is FlowStatus.DRAFT and status is not wanted:
            refuse(
                FieldProblem(
                    "/status",
                    f"A {status.value.lower()} flow cannot return to draft.",
                    "invalid_transition",
                )
            )

    async def delete(self, ctx: Context, current: Item) -> None:
        await use_cases.delete_flow(ctx.session, ctx.principal, flow_id=str(current.id))


def _escalation(config: dict[str, Any], rename: Any) -> dict[str, Any]:
    """A level's config with the user its overdue task escalates to renamed (an id to an
    e-mail, or back); a user the company lacks is left for the flow's checks to report."""
    on_deadline = config.get("onDeadline")
    if not isinstance(on_deadline, dict) or not isinstance(on_deadline.get("userId"), str):
        return dict(config)
    out = copy.deepcopy(config)
    out["onDeadline"]["userId"] = rename(on_deadline["userId"]) or on_deadline["userId"]
    return out
