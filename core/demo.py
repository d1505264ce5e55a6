"""The seed's sample data (Acme Corporation and its expense approval), loaded idempotently."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.passwords import hash_password_bcrypt
from core.models import (
    Company,
    Department,
    EmailTemplate,
    EventType,
    Flow,
    FlowLevel,
    FlowLevelTask,
    FlowStatus,
    Role,
    Task,
    TaskStatus,
    Trigger,
    User,
    UserRole,
)
from core.models.base import Base, utcnow

M = TypeVar("M", bound=Base)

DEMO_PASSWORD = "password123"  # noqa: S105 - the seed's published demo password

EXPENSE_FIELDS: list[dict[str, Any]] = [
    {"id": "field_1", "type": "text", "label": "Employee Name", "required": True},
    {
        "id": "field_2",
        "type": "number",
        "label": "Amount",
        "required": True,
        "validation": {"min": 0},
    },
    {
        "id": "field_3",
        "type": "dropdown",
        "label": "Category",
        "required": True,
        "options": ["Travel", "Office Supplies", "Equipment"],
    },
    {"id": "field_4", "type": "file", "label": "Receipt", "required": True},
]

REVIEW_FIELDS: list[dict[str, Any]] = [
    {
        "id": "decision",
        "type": "dropdown",
        "label": "Decision",
        "required": True,
        "options": ["Approved", "Rejected"],
    },
    {"id": "comments", "type": "textarea", "label": "Comments"},
]
"""The approval form of the expense flow's review levels (beyond the seed)."""

REVIEW_LEVELS: dict[int, dict[str, Any]] = {
    2: {
        "completion": "any",
        "deadlineHours": 48,
        "onReject": {"sendBackTo": 1},
        "decision": {"field": "Decision", "rejectValues": ["Rejected"]},
    },
    3: {
        "completion": "any",
        "deadlineHours": 72,
        "onReject": "fail",
        "decision": {"field": "Decision", "rejectValues": ["Rejected"]},
    },
}
"""How the review levels complete: one reviewer decides; a manager's rejection sends the
expense back to the employee, a finance rejection ends it."""

HIGH_VALUE_BODY = """Hello,

A high-value expense request has been submitted:

Employee: {{employee_name}}
Amount: ${{amount}}
Category: {{category}}

Please review at: {{link_to_task}}
"""


async def _get_or_create(
    session: AsyncSession, model: type[M], match: dict[str, Any], **values: Any
) -> M:
    """The row matching `match`, created with `values` if there is none."""
    existing = await session.scalar(sa.select(model).filter_by(**match).limit(1))
    if existing is not None:
        return existing
    row = model(**match, **values)
    session.add(row)
    await session.flush()
    return row


async def load_demo(session: AsyncSession) -> Company:
    """Load the seed's demo data into `session` (the caller commits). Returns the company."""
    company = await _get_or_create(
        session, Company, {"domain": "acme.com"}, name="Acme Corporation", logo="/logos/acme.png"
    )
    password = hash_password_bcrypt(DEMO_PASSWORD)
    developer = await _get_or_create(
        session,
        User,
        {"email": "developer@erpbuilder.com"},
        password=password,
        first_name="Alex",
        last_name="Developer",
        role=UserRole.DEVELOPER,
        company_id=company.id,
    )
    await _get_or_create(
        session,
        User,
        {"email": "admin@acme.com"},
        password=password,
        first_name="Sarah",
        last_name="Admin",
        role=UserRole.ADMIN,
        company_id=company.id,
    )
    engineering = await _get_or_create(
        session,
        Department,
        {"company_id": company.id, "name": "Engineering"},
        description="Engineering team",
    )
    await _get_or_create(
        session,
        Department,
        {"company_id": company.id, "name": "Finance"},
        description="Finance team",
    )
    manager = await _get_or_create(
        session,
        Role,
        {"company_id": company.id, "name": "Manager"},
        description="Department manager",
        department_id=engineering.id,
        permissions={"canApprove": True, "canReject": True, "canReassign": True},
    )
    task = await _get_or_create(
        session,
        Task,
        {"company_id": company.id, "name": "Expense Approval Form"},
        description="Submit expense for approval",
        status=TaskStatus.PUBLISHED,
        published_at=utcnow(),
        created_by_id=developer.id,
        fields=EXPENSE_FIELDS,
    )
    flow = await _get_or_create(
        session,
        Flow,
        {"company_id": company.id, "name": "Expense Approval Workflow"},
        description="3-level expense approval process",
        status=FlowStatus.PUBLISHED,
        published_at=utcnow(),
        created_by_id=developer.id,
    )
    levels = [
        await _get_or_create(
            session,
            FlowLevel,
            {"flow_id": flow.id, "order": order},
            name=name,
            company_id=company.id,
        )
        for order, name in (
            (1, "Employee Submission"),
            (2, "Manager Review"),
            (3, "Finance Approval"),
        )
    ]
    await _get_or_create(
        session,
        FlowLevelTask,
        {"level_id": levels[0].id, "order": 1},
        task_id=task.id,
        company_id=company.id,
    )
    await session.refresh(levels[1], ["roles"])
    if manager not in levels[1].roles:
        levels[1].roles.append(manager)
    await _load_approvers(session, company, developer, levels, manager, password)
    await _get_or_create(
        session,
        Trigger,
        {"company_id": company.id, "name": "High-Value Alert"},
        description="Alert CFO for expenses > $10,000",
        event_type=EventType.TASK_COMPLETED,
        task_id=task.id,
        conditions={
            "operator": "AND",
            "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
        },
        actions=[
            {
                "type": "send_email",
                "config": {
                    "to": "cfo@acme.com",
                    "subject": "High-value expense requires review",
                    "template": "high_value_expense",
                },
            }
        ],
    )
    await _get_or_create(
        session,
        EmailTemplate,
        {"company_id": company.id, "type": "high_value_expense"},
        name="High Value Expense Alert",
        subject="High-value expense requires your review",
        body=HIGH_VALUE_BODY,
        variables=["employee_name", "amount", "category", "link_to_task"],
    )
    await session.flush()
    return company


async def _load_approvers(
    session: AsyncSession,
    company: Company,
    developer: User,
    levels: list[FlowLevel],
    manager: Role,
    password: str,
) -> None:
    """Beyond the seed, so that its expense flow runs end to end: an employee, a manager and
    a finance approver, a Finance role on level 3, and an approval form on levels 2 and 3."""
    finance_department = await _get_or_create(
        session, Department, {"company_id": company.id, "name": "Finance"}
    )
    finance = await _get_or_create(
        session,
        Role,
        {"company_id": company.id, "name": "Finance"},
        description="Finance approver",
        department_id=finance_department.id,
        permissions={"canApprove": True, "canReject": True, "canReassign": True},
    )
    for email, first, last, role, company_role in (
        ("employee@acme.com", "Eve", "Employee", UserRole.EMPLOYEE, None),
        ("manager@acme.com", "Mark", "Manager", UserRole.MANAGER, manager),
        ("finance@acme.com", "Fiona", "Finance", UserRole.MANAGER, finance),
    ):
        user = await _get_or_create(
            session,
            User,
            {"email": email},
            password=password,
            first_name=first,
            last_name=last,
            role=role,
            company_id=company.id,
        )
        await session.refresh(user, ["roles"])
        if company_role is not None and company_role not in user.roles:
            user.roles.append(company_role)
    review = await _get_or_create(
        session,
        Task,
        {"company_id": company.id, "name": "Expense Review"},
        description="Approve or reject an expense",
        status=TaskStatus.PUBLISHED,
        published_at=utcnow(),
        created_by_id=developer.id,
        fields=REVIEW_FIELDS,
    )
    for level in levels[1:]:
        await _get_or_create(
            session,
            FlowLevelTask,
            {"level_id": level.id, "order": 1},
            task_id=review.id,
            company_id=company.id,
        )
        if not level.config:
            level.config = REVIEW_LEVELS[level.order]
    await session.refresh(levels[2], ["roles"])
    if finance not in levels[2].roles:
        levels[2].roles.append(finance)
