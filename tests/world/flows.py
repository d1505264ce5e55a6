"""The flows side of the test world: the expense company (an employee, managers, finance, an
admin, the seed's expense and review forms, a receipt), the seed's three-level flow, and
starting, submitting and approving its instances, in-process and over HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from core.database import transaction
from core.demo import EXPENSE_FIELDS, REVIEW_FIELDS, load_demo
from core.flows import (
    BranchSpec,
    FlowDefinitionInvalid,
    FlowSpec,
    LevelSpec,
    execute_task,
    get_instance,
    pending_tasks_for,
    publish_flow,
    save_flow,
    start_flow,
)
from core.models import (
    File,
    Flow,
    FlowInstance,
    FlowInstanceStatus,
    OutboxEvent,
    Task,
    TaskStatus,
    User,
    UserRole,
)
from tests.world.tenants import APPROVER, Person, Sessions, Tenant, make_tenant

T = TypeVar("T")

EXPENSE_PEOPLE = (
    Person("employee"),
    Person("colleague"),
    Person("manager", UserRole.MANAGER, ("Manager",)),
    Person("manager2", UserRole.MANAGER, ("Manager",)),
    Person("manager3", UserRole.MANAGER, ("Manager",)),
    Person("finance", UserRole.MANAGER, ("Finance",)),
    Person("clerk", UserRole.EMPLOYEE, ("Clerk",)),
    Person("admin", UserRole.ADMIN),
)
EXPENSE_ROLES = {"Manager": APPROVER, "Finance": APPROVER, "Clerk": {}}
DECIDED_BY_FORM = {"decision": {"field": "Decision"}}


async def expense_company(sessions: Sessions, name: str = "Acme Corporation") -> Tenant:
    """A company to run flows in: EXPENSE_PEOPLE in the Manager, Finance and Clerk roles, and
    the expense forms and receipt of `add_expense_forms`."""
    tenant = await make_tenant(
        sessions,
        name,
        role_users=(),
        people=EXPENSE_PEOPLE,
        roles=EXPENSE_ROLES,
        department=None,
        domain=None,
    )
    await add_expense_forms(sessions, tenant, creator="admin", uploader="employee")
    return tenant


async def add_expense_forms(
    sessions: Sessions, tenant: Tenant, *, creator: str, uploader: str, receipt_size: int = 1234
) -> None:
    """The seed's expense form (task "expense"), an approval form with a Decision field
    ("review"), both made by `creator`, and a receipt `uploader` uploaded (file "receipt")."""
    async with transaction(sessions) as session:
        expense = Task(
            company_id=tenant.company_id,
            name="Expense Approval Form",
            fields=EXPENSE_FIELDS,
            status=TaskStatus.PUBLISHED,
            created_by_id=tenant.users[creator].id,
        )
        review = Task(
            company_id=tenant.company_id,
            name="Expense Review",
            fields=REVIEW_FIELDS,
            status=TaskStatus.PUBLISHED,
            created_by_id=tenant.users[creator].id,
        )
        receipt = File(
            company_id=tenant.company_id,
            filename="r.pdf",
            original_name="receipt.pdf",
            mimetype="application/pdf",
            size=receipt_size,
            path="r.pdf",
            uploaded_by=tenant.users[uploader].id,
        )
        session.add_all([expense, review, receipt])
        await session.flush()
        tenant.tasks.update(expense=expense.id, review=review.id)
        tenant.files.update(receipt=receipt.id)


def expense_submission(acme: Tenant, amount: float, category: str = "Travel") -> dict[str, Any]:
    """The expense form's values, keyed by field id, with the employee's receipt."""
    return {
        "field_1": "Eve Employee",
        "field_2": amount,
        "field_3": category,
        "field_4": acme.files["receipt"],
    }


def expense_spec(
    acme: Tenant,
    *,
    manager_config: dict[str, Any] | None = None,
    finance_config: dict[str, Any] | None = None,
    manager_tasks: list[str] | None = None,
    branches: list[BranchSpec] | None = None,
) -> FlowSpec:
    """The seed's three levels: the employee submits, a manager reviews, finance approves."""
    review = [acme.tasks["review"]]
    return FlowSpec(
        name="Expense Approval Workflow",
        levels=[
            LevelSpec(order=1, name="Employee Submission", task_ids=[acme.tasks["expense"]]),
            LevelSpec(
                order=2,
                name="Manager Review",
                task_ids=review if manager_tasks is None else manager_tasks,
                roles=["Manager"],
                config=manager_config if manager_config is not None else DECIDED_BY_FORM,
            ),
            LevelSpec(
                order=3,
                name="Finance Approval",
                task_ids=review,
                roles=["Finance"],
                config=finance_config if finance_config is not None else DECIDED_BY_FORM,
            ),
        ],
        branches=branches or [],
    )


async def in_company(
    sessions: Sessions,
    acme: Tenant,
    work: Callable[..., Awaitable[T]],
    /,
    **kw: Any,
) -> T:
    """Run one service call in its own transaction, as a request of the company would."""
    async with transaction(sessions, company_id=acme.company_id) as session:
        return await work(session, company_id=acme.company_id, **kw)


async def published_flow(
    sessions: Sessions, acme: Tenant, spec: FlowSpec | None = None, *, by: str = "admin"
) -> str:
    """The flow (the seed's expense flow unless `spec`) saved by `by` and published; its id."""
    flow = await in_company(
        sessions,
        acme,
        save_flow,
        user_id=acme.users[by].id,
        spec=spec or expense_spec(acme),
    )
    await in_company(sessions, acme, publish_flow, flow_id=flow.id)
    return flow.id


async def events_of(sessions: Sessions, event_type: Any | None = None) -> list[OutboxEvent]:
    async with sessions() as session:
        query = sa.select(OutboxEvent).order_by(OutboxEvent.created_at)
        if event_type is not None:
            query = query.where(OutboxEvent.event_type == event_type)
        return list(await session.scalars(query))


async def save(sessions: Sessions, acme: Tenant, spec: FlowSpec, flow_id: str | None = None):
    return await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"].id, spec=spec, flow_id=flow_id
    )


async def problems_of(sessions: Sessions, acme: Tenant, spec: FlowSpec) -> dict[str, str]:
    """The problems saving `spec` is refused for, by path (and that nothing was saved)."""
    with pytest.raises(FlowDefinitionInvalid) as failure:
        await save(sessions, acme, spec)
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count(Flow.id))) == 0
    return {p.path: p.code for p in failure.value.problems}


async def start(sessions: Sessions, acme: Tenant, flow_id: str, who: str = "employee", **kw: Any):
    return await in_company(
        sessions, acme, start_flow, flow_id=flow_id, initiator_id=acme.users[who].id, **kw
    )


async def submit_expense(
    sessions: Sessions,
    acme: Tenant,
    instance_id: str,
    who: str = "employee",
    amount: float = 420,
) -> None:
    await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=acme.tasks["expense"],
        user_id=acme.users[who].id,
        data=expense_submission(acme, amount),
    )


async def run_to_the_end(sessions: Sessions, acme: Tenant, instance_id: str) -> list[int]:
    """Submit and approve until the instance stops; the levels it went through."""
    seen = []
    while True:
        view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
        if view.current is None:
            assert view.instance.status is FlowInstanceStatus.COMPLETED
            return seen
        seen.append(view.current.order)
        who = view.current.waiting_on[0].user_id
        task, data = (
            (acme.tasks["review"], {"Decision": "Approved"})
            if view.current.order > 1
            else (acme.tasks["expense"], expense_submission(acme, 5000))
        )
        await in_company(
            sessions,
            acme,
            execute_task,
            instance_id=instance_id,
            task_id=task,
            user_id=who,
            data=data,
        )


# Over HTTP.


def expense_flow(acme: Tenant) -> dict[str, Any]:
    """The seed's flow as the API takes it, small expenses skipping finance."""
    decided = {"decision": {"field": "Decision", "rejectValues": ["Rejected"]}}
    return {
        "name": "Expense Approval Workflow",
        "levels": [
            {"order": 1, "name": "Employee Submission", "taskIds": [acme.tasks["expense"]]},
            {
                "order": 2,
                "name": "Manager Review",
                "taskIds": [acme.tasks["review"]],
                "roles": ["Manager"],
                "config": {**decided, "onReject": {"sendBackTo": 1}, "deadlineHours": 48},
            },
            {
                "order": 3,
                "name": "Finance Approval",
                "taskIds": [acme.tasks["review"]],
                "roles": ["Finance"],
                "config": decided,
            },
        ],
        "branches": [
            {
                "name": "Small expenses skip finance",
                "fromLevel": 2,
                "toLevel": "END",
                "conditions": {
                    "operator": "AND",
                    "rules": [{"field": "Amount", "operator": "less_than", "value": 1000}],
                },
            }
        ],
    }


async def published(client: AsyncTestClient[Any], headers: dict[str, Any], acme: Tenant) -> str:
    """The expense flow created, checked and published by the admin over HTTP; its id."""
    created = await client.post("/flows", json=expense_flow(acme), headers=headers["admin"])
    assert created.status_code == 201, created.text
    flow_id = created.json()["id"]
    check = await client.get(f"/flows/{flow_id}/check", headers=headers["admin"])
    assert check.json() == {"ok": True, "problems": []}
    publish = await client.post(f"/flows/{flow_id}/publish", headers=headers["admin"])
    assert publish.status_code == 200, publish.text
    return flow_id


async def act(
    client: AsyncTestClient[Any],
    headers: dict[str, Any],
    who: str,
    path: str,
    body: dict[str, Any],
    status: int = 200,
) -> Any:
    response = await client.post(path, json=body, headers=headers[who])
    assert response.status_code == status, response.text
    return response.json()


class Demo:
    """Ids of the demo company's people and definitions, and a receipt the employee uploaded."""

    async def load(self, sessions: Sessions) -> Demo:
        async with transaction(sessions) as session:
            company = await load_demo(session)
            self.company_id = company.id
            self.users = {
                u.email.split("@")[0]: u.id for u in await session.scalars(sa.select(User))
            }
            self.flow = await session.scalar(
                sa.select(Flow).where(Flow.name == "Expense Approval Workflow")
            )
            self.tasks = {t.name: t for t in await session.scalars(sa.select(Task))}
            receipt = File(
                company_id=company.id,
                filename="a1.pdf",
                original_name="hotel-receipt.pdf",
                mimetype="application/pdf",
                size=48213,
                path="a1.pdf",
                uploaded_by=self.users["employee"],
                context="task_attachment",
            )
            session.add(receipt)
            await session.flush()
            self.receipt = receipt.id
        return self

    async def do(self, sessions: Sessions, work: Callable[..., Awaitable[T]], **kw: Any) -> T:
        async with transaction(sessions, company_id=self.company_id) as session:
            return await work(session, company_id=self.company_id, **kw)

    async def submit_expense(self, sessions: Sessions, amount: float) -> FlowInstance:
        instance = await self.do(
            sessions, start_flow, flow_id=self.flow.id, initiator_id=self.users["employee"]
        )
        await self.do(
            sessions,
            execute_task,
            instance_id=instance.id,
            task_id=self.tasks["Expense Approval Form"].id,
            user_id=self.users["employee"],
            data={
                "Employee Name": "Eve Employee",
                "Amount": amount,
                "Category": "Travel",
                "Receipt": self.receipt,
            },
        )
        return instance

    async def review(self, sessions: Sessions, instance_id: str, who: str) -> FlowInstance:
        inbox, _ = await self.do(sessions, pending_tasks_for, user_id=self.users[who])
        [item] = [i for i in inbox if i.instance_id == instance_id]
        result = await self.do(
            sessions,
            execute_task,
            instance_id=instance_id,
            task_id=item.tasks[0].id,
            user_id=self.users[who],
            data={"Decision": "Approved", "Comments": f"OK from {who}"},
            expected_level=item.level_order,
        )
        return result.instance
