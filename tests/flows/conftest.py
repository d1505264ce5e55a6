"""A small company to run flows in: an employee, three managers, a finance approver, an admin,
the seed's expense form, an approval form with a Decision field, and a receipt file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.demo import EXPENSE_FIELDS, REVIEW_FIELDS
from core.flows import BranchSpec, FlowSpec, LevelSpec, publish_flow, save_flow
from core.models import (
    Company,
    File,
    OutboxEvent,
    Role,
    Task,
    TaskStatus,
    User,
    UserRole,
)

T = TypeVar("T")
APPROVER = {"canApprove": True, "canReject": True, "canReassign": True}


@dataclass
class Acme:
    company_id: str
    users: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    expense_task: str = ""
    review_task: str = ""
    receipt: str = ""

    def expense(self, amount: float, category: str = "Travel") -> dict[str, Any]:
        return {
            "field_1": "Eve Employee",
            "field_2": amount,
            "field_3": category,
            "field_4": self.receipt,
        }


async def add_user(
    session: AsyncSession,
    company_id: str,
    name: str,
    roles: list[Role] | None = None,
    role: UserRole = UserRole.EMPLOYEE,
) -> User:
    user = User(
        email=f"{name}@{company_id[:8]}.example",
        password="x",
        first_name=name.capitalize(),
        role=role,
        company_id=company_id,
        roles=roles or [],
    )
    session.add(user)
    await session.flush()
    return user


@pytest.fixture
async def acme(sessions: async_sessionmaker[AsyncSession]) -> Acme:
    async with transaction(sessions) as session:
        company = Company(name="Acme Corporation")
        session.add(company)
        await session.flush()
        world = Acme(company.id)
        manager = Role(company_id=company.id, name="Manager", permissions=APPROVER)
        finance = Role(company_id=company.id, name="Finance", permissions=APPROVER)
        clerk = Role(company_id=company.id, name="Clerk", permissions={})
        session.add_all([manager, finance, clerk])
        await session.flush()
        world.roles = {"Manager": manager.id, "Finance": finance.id, "Clerk": clerk.id}
        for name, roles, role in (
            ("employee", [], UserRole.EMPLOYEE),
            ("colleague", [], UserRole.EMPLOYEE),
            ("manager", [manager], UserRole.MANAGER),
            ("manager2", [manager], UserRole.MANAGER),
            ("manager3", [manager], UserRole.MANAGER),
            ("finance", [finance], UserRole.MANAGER),
            ("clerk", [clerk], UserRole.EMPLOYEE),
            ("admin", [], UserRole.ADMIN),
        ):
            world.users[name] = (await add_user(session, company.id, name, roles, role)).id
        creator = world.users["admin"]
        expense = Task(
            company_id=company.id,
            name="Expense Approval Form",
            fields=EXPENSE_FIELDS,
            status=TaskStatus.PUBLISHED,
            created_by_id=creator,
        )
        review = Task(
            company_id=company.id,
            name="Expense Review",
            fields=REVIEW_FIELDS,
            status=TaskStatus.PUBLISHED,
            created_by_id=creator,
        )
        receipt = File(
            company_id=company.id,
            filename="r.pdf",
            original_name="receipt.pdf",
            mimetype="application/pdf",
            size=1234,
            path="r.pdf",
            uploaded_by=world.users["employee"],
        )
        session.add_all([expense, review, receipt])
        await session.flush()
        world.expense_task, world.review_task, world.receipt = expense.id, review.id, receipt.id
    return world


DECIDED_BY_FORM = {"decision": {"field": "Decision"}}


def expense_spec(
    acme: Acme,
    *,
    manager_config: dict[str, Any] | None = None,
    finance_config: dict[str, Any] | None = None,
    manager_tasks: list[str] | None = None,
    branches: list[BranchSpec] | None = None,
) -> FlowSpec:
    """The seed's three levels: the employee submits, a manager reviews, finance approves."""
    review = [acme.review_task]
    return FlowSpec(
        name="Expense Approval Workflow",
        levels=[
            LevelSpec(order=1, name="Employee Submission", task_ids=[acme.expense_task]),
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
    sessions: async_sessionmaker[AsyncSession],
    acme: Acme,
    work: Callable[..., Awaitable[T]],
    /,
    **kw: Any,
) -> T:
    """Run one service call in its own transaction, as a request of the company would."""
    async with transaction(sessions, company_id=acme.company_id) as session:
        return await work(session, company_id=acme.company_id, **kw)


async def published_flow(
    sessions: async_sessionmaker[AsyncSession], acme: Acme, spec: FlowSpec | None = None
) -> str:
    flow = await in_company(
        sessions,
        acme,
        save_flow,
        user_id=acme.users["admin"],
        spec=spec or expense_spec(acme),
    )
    await in_company(sessions, acme, publish_flow, flow_id=flow.id)
    return flow.id


async def events_of(
    sessions: async_sessionmaker[AsyncSession], event_type: Any | None = None
) -> list[OutboxEvent]:
    async with sessions() as session:
        query = sa.select(OutboxEvent).order_by(OutboxEvent.created_at)
        if event_type is not None:
            query = query.where(OutboxEvent.event_type == event_type)
        return list(await session.scalars(query))
