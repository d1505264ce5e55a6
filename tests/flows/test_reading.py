"""Who sees what: inboxes, an instance's history, and a company's instances by filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.errors import NotFound
from core.flows import (
    cancel,
    execute_task,
    get_instance,
    instance_history,
    list_instances,
    pending_tasks_for,
    reassign,
    reject,
    start_flow,
)
from core.models import Company, FlowInstance, FlowInstanceStatus, utcnow
from tests.world.flows import (
    expense_spec,
    expense_submission,
    in_company,
    published_flow,
    start,
    submit_expense,
)
from tests.world.tenants import Tenant


async def inbox(sessions, acme: Tenant, who: str) -> list[tuple[str, int, str]]:
    items, total = await in_company(sessions, acme, pending_tasks_for, user_id=acme.users[who].id)
    assert total == len(items)
    return [(i.instance_id, i.level_order, i.source) for i in items]


async def test_an_inbox_holds_tasks_by_role_by_assignment_and_by_reassignment(
    sessions, acme
) -> None:
    flow_id = await published_flow(sessions, acme)
    by_role = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, by_role.id)
    assigned = await start(sessions, acme, flow_id, who="admin", assign_to=acme.users["manager"].id)
    handed_over = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, handed_over.id)
    await in_company(
        sessions,
        acme,
        reassign,
        instance_id=handed_over.id,
        user_id=acme.users["manager2"].id,
        to_user_id=acme.users["clerk"].id,
    )

    assert await inbox(sessions, acme, "manager") == [
        (by_role.id, 2, "ROLE"),
        (assigned.id, 1, "ASSIGNED"),
        (handed_over.id, 2, "ROLE"),
    ]
    assert await inbox(sessions, acme, "clerk") == [(handed_over.id, 2, "REASSIGNED")]
    assert await inbox(sessions, acme, "manager2") == [(by_role.id, 2, "ROLE")]
    assert await inbox(sessions, acme, "finance") == []


async def test_the_initiator_is_never_asked_to_approve_their_own_request(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    own = await start(sessions, acme, flow_id, who="manager")
    await submit_expense(sessions, acme, own.id, who="manager")

    view = await in_company(sessions, acme, get_instance, instance_id=own.id)
    assert sorted(w.user_id for w in view.current.waiting_on) == sorted(
        [acme.users["manager2"].id, acme.users["manager3"].id]
    )


async def test_history_tells_who_did_what_and_when(sessions, acme) -> None:
    spec = expense_spec(
        acme, manager_config={"decision": {"field": "Decision"}, "onReject": {"sendBackTo": 1}}
    )
    flow_id = await published_flow(sessions, acme, spec)
    instance = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, instance.id)
    await in_company(
        sessions,
        acme,
        reassign,
        instance_id=instance.id,
        user_id=acme.users["admin"].id,
        from_user_id=acme.users["manager3"].id,
        to_user_id=acme.users["colleague"].id,
        comment="Covering",
    )
    await in_company(
        sessions,
        acme,
        reject,
        instance_id=instance.id,
        user_id=acme.users["manager"].id,
        comment="Wrong category",
    )
    await in_company(
        sessions, acme, cancel, instance_id=instance.id, user_id=acme.users["employee"].id
    )

    history = await in_company(sessions, acme, instance_history, instance_id=instance.id)

    assert [(h.kind, h.level_name, h.actor_name) for h in history] == [
        ("STARTED", "Employee Submission", "Employee"),
        ("SUBMITTED", "Employee Submission", "Employee"),
        ("ADVANCED", "Employee Submission", None),
        ("REASSIGNED", "Manager Review", "Admin"),
        ("REJECTED", "Manager Review", "Manager"),
        ("CANCELLED", None, "Employee"),
    ]
    submitted, reassigned, rejected = history[1], history[3], history[4]
    assert submitted.task_name == "Expense Approval Form"
    assert submitted.data["field_2"] == 420
    assert reassigned.comment == "Covering"
    assert reassigned.details == {
        "from": acme.users["manager3"].id,
        "to": acme.users["colleague"].id,
    }
    assert (rejected.comment, rejected.details) == ("Wrong category", {"sentBackTo": 1})
    assert [h.at for h in history] == sorted(h.at for h in history)


async def test_instances_are_listed_by_flow_status_initiator_and_start_date(sessions, acme) -> None:
    expenses = await published_flow(sessions, acme)
    other_spec = expense_spec(acme)
    other_spec.name = "Travel Request"
    travel = await published_flow(sessions, acme, other_spec)
    running = await start(sessions, acme, expenses)
    cancelled = await start(sessions, acme, expenses, who="colleague")
    await in_company(
        sessions, acme, cancel, instance_id=cancelled.id, user_id=acme.users["colleague"].id
    )
    trip = await start(sessions, acme, travel)
    async with transaction(sessions) as session:
        old = await session.get(FlowInstance, trip.id)
        old.started_at = utcnow() - timedelta(days=40)

    async def ids(**filters) -> list[str]:
        items, total = await in_company(sessions, acme, list_instances, **filters)
        assert total == len(items)
        return [i.instance.id for i in items]

    assert await ids() == [cancelled.id, running.id, trip.id]
    assert await ids(flow_id=travel) == [trip.id]
    assert await ids(status=FlowInstanceStatus.CANCELLED) == [cancelled.id]
    assert await ids(initiator_id=acme.users["employee"].id) == [running.id, trip.id]
    assert await ids(started_from=utcnow() - timedelta(days=7)) == [cancelled.id, running.id]
    assert await ids(started_to=utcnow() - timedelta(days=7)) == [trip.id]
    assert await ids(viewer_id=acme.users["colleague"].id) == [cancelled.id]
    items, total = await in_company(sessions, acme, list_instances, limit=1, offset=1)
    assert (total, [i.instance.id for i in items]) == (3, [running.id])
    [summary] = (
        await in_company(
            sessions, acme, list_instances, flow_id=expenses, status=FlowInstanceStatus.IN_PROGRESS
        )
    )[0]
    assert (summary.flow_name, summary.level_name) == (
        "Expense Approval Workflow",
        "Employee Submission",
    )


async def test_another_company_sees_none_of_it(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    stranger = Tenant(sessions, Company(id="not-acme", name="Globex"))
    async with transaction(sessions) as session:
        await session.execute(
            sa.text("INSERT INTO companies (id, name) VALUES ('not-acme', 'Globex')")
        )

    with pytest.raises(NotFound):
        await in_company(sessions, stranger, get_instance, instance_id=instance.id)
    assert await in_company(sessions, stranger, list_instances) == ([], 0)
    with pytest.raises(NotFound):
        await in_company(
            sessions, stranger, start_flow, flow_id=flow_id, initiator_id=acme.users["employee"].id
        )
    with pytest.raises(NotFound):
        await in_company(
            sessions,
            stranger,
            execute_task,
            instance_id=instance.id,
            task_id=acme.tasks["expense"],
            user_id=acme.users["employee"].id,
            data=expense_submission(acme, 1),
        )
