"""Read-side endpoints: the seed's common queries and the rule tester."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import post
from litestar.params import JSONBody

from api.deps import DB, Actor
from api.guards import requires
from api.organisation.schemas import Body, Out
from api.pagination import Limit, Offset, PageOut, page
from core import flows
from core.models import FlowStatus
from core.rules.service import evaluate_with_trace
from core.tenancy import company_of


class ActiveLevelTask(Out):
    id: str
    order: int
    task_id: str
    task_name: str
    fields: list[dict[str, Any]]


class ActiveLevel(Out):
    id: str
    name: str
    order: int
    config: dict[str, Any]
    tasks: list[ActiveLevelTask]


class ActiveFlow(Out):
    id: str
    name: str
    description: str | None
    status: FlowStatus
    published_at: datetime | None
    levels: list[ActiveLevel]


class RuleTest(Body):
    rule: Any
    data: Any = None


class RuleTestResult(Out):
    result: Any
    trace: dict[str, Any]


async def active_flows(
    db: DB, principal: Actor, limit: Limit = 50, offset: Offset = 0
) -> PageOut[ActiveFlow]:
    """The company's published and active flows, their levels in order, and each level's
    tasks: one query (joined eager loading), as the seed's first query."""
    rows = await flows.active_flows(db, company_id=company_of(principal))
    return page(
        rows,
        limit,
        offset,
        lambda flow: ActiveFlow(
            id=flow.id,
            name=flow.name,
            description=flow.description,
            status=flow.status,
            published_at=flow.published_at,
            levels=[
                ActiveLevel(
                    id=level.id,
                    name=level.name,
                    order=level.order,
                    config=level.config,
                    tasks=[
                        ActiveLevelTask(
                            id=lt.id,
                            order=lt.order,
                            task_id=lt.task_id,
                            task_name=lt.task.name,
                            fields=lt.task.fields,
                        )
                        for lt in level.tasks
                    ],
                )
                for level in flow.levels
            ],
        ),
    )


@post(
    "/rules/evaluate",
    guards=[requires("rules.evaluate")],
    tags=["rules"],
    status_code=200,
    opt={"platform": True},
    summary="Evaluate a rule on sample data, with its explanation",
)
async def evaluate_rule(data: JSONBody[RuleTest]) -> RuleTestResult:
    result, trace = evaluate_with_trace(data.rule, data.data)
    return RuleTestResult(result=result, trace=trace)


def routers() -> list[Any]:
    from litestar import get

    return [
        get(
            "/flows/active",
            guards=[requires("flows.read")],
            tags=["flows"],
            summary="Active flows with their levels in order and each level's tasks",
        )(active_flows),
        evaluate_rule,
    ]
