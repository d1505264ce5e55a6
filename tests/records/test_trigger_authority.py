"""The create_record and update_record actions write with the trigger's own authority: an
employee whose role may neither add records to a table nor see one of its fields still fires
the triggers that do both, and the same writes made as the employee are refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.errors import PermissionDenied
from core.models import CustomTableRecord, EventType, TriggerExecutionStatus, User, UserRole
from core.records import create_record, create_table, update_record
from tests.world.automation import add_trigger, executions, expense, record, seeded_company
from tests.world.tenants import Sessions, Tenant

LEDGER = [
    {"id": "title", "type": "text", "label": "Title", "required": True},
    {"id": "amount", "type": "number", "label": "Amount", "required": True},
    {"id": "approved", "type": "checkbox", "label": "Approved"},
]
EMPLOYEES_MAY_NOT_WRITE = {
    "EMPLOYEE": {"create": "none", "update": "none", "fields": {"approved": "none"}}
}


@pytest.fixture
async def company(sessions: Sessions) -> Tenant:
    return await seeded_company(sessions)


async def test_trigger_actions_write_what_the_employee_who_fired_them_may_not(
    sessions: Sessions, pipeline, company: Tenant
) -> None:
    async with transaction(sessions, company_id=company.company_id) as session:
        employee = User(
            email=f"eve-{company.company_id[:8]}@acme.com",
            password="x",
            role=UserRole.EMPLOYEE,
            company_id=company.company_id,
        )
        session.add(employee)
        table = await create_table(
            session,
            company_id=company.company_id,
            name="ledger",
            display_name="Ledger",
            schema=LEDGER,
            permissions=EMPLOYEES_MAY_NOT_WRITE,
        )
        await session.flush()
    as_employee = Principal(employee.id, UserRole.EMPLOYEE, company.company_id)
    writes = await add_trigger(
        sessions,
        company.company_id,
        task_id=company.tasks["expense"],
        actions=[
            {
                "type": "create_record",
                "config": {
                    "tableId": table.id,
                    "data": {"title": "{{ employee_name }}", "amount": "{{ amount }}"},
                    "userId": employee.id,
                },
            }
        ],
    )
    approves = await add_trigger(
        sessions,
        company.company_id,
        event_type=EventType.DATABASE_ROW_CREATED,
        table_id=table.id,
        actions=[
            {
                "type": "update_record",
                "config": {"recordId": "{{ recordId }}", "data": {"approved": True}},
            }
        ],
    )
    await record(
        sessions,
        company.company_id,
        EventType.TASK_COMPLETED,
        expense(640, "Ann") | {"userId": employee.id},
        task_id=company.tasks["expense"],
    )
    await pipeline.drain()

    for trigger_id in (writes, approves):
        [execution] = await executions(sessions, trigger_id)
        assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    async with sessions() as session:
        [row] = await session.scalars(sa.select(CustomTableRecord))
    assert row.data == {"title": "Ann", "amount": 640, "approved": True}
    assert row.created_by == employee.id

    async with transaction(sessions, company_id=company.company_id) as session:
        with pytest.raises(PermissionDenied):
            await create_record(
                session,
                company_id=company.company_id,
                table_id=table.id,
                data={"title": "Bo", "amount": 1},
                principal=as_employee,
            )
        with pytest.raises(PermissionDenied):
            await update_record(
                session,
                company_id=company.company_id,
                record_id=row.id,
                data={"title": "Ann B."},
                principal=as_employee,
            )
