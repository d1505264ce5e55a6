"""Running instances: start, submit, approve, reject, send back, reassign, cancel."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.errors import NotFound, ValidationFailed
from core.flows import (
    AlreadyAssigned,
    BranchSpec,
    InstanceClosed,
    LevelMoved,
    MissingPermission,
    NotYourTurn,
    TaskNotOnLevel,
    TasksPending,
    approve,
    cancel,
    execute_task,
    get_instance,
    pending_tasks_for,
    reassign,
    reject,
    start_flow,
)
from core.models import EventType, FlowInstanceStatus, Role, Task, TaskExecution, TaskStatus
from tests.world.flows import (
    events_of,
    expense_spec,
    expense_submission,
    in_company,
    published_flow,
)
from tests.world.tenants import Tenant


async def start(sessions, acme: Tenant, flow_id: str, **kw):
    kw.setdefault("initiator_id", acme.users["employee"].id)
    return await in_company(sessions, acme, start_flow, flow_id=flow_id, **kw)


async def submit(sessions, acme: Tenant, instance_id: str, who: str, task_id: str, data, **kw):
    return await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=task_id,
        user_id=acme.users[who].id,
        data=data,
        **kw,
    )


async def review(sessions, acme: Tenant, instance_id: str, who: str, decision="Approved", **kw):
    return await submit(
        sessions, acme, instance_id, who, acme.tasks["review"], {"Decision": decision}, **kw
    )


async def level_of(sessions, acme: Tenant, instance_id: str):
    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    return view.instance.status, view.current.order if view.current else None


async def test_starting_puts_the_instance_at_level_one_in_the_initiators_inbox(
    sessions, acme
) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)

    assert (instance.status, instance.current_level_order) == (FlowInstanceStatus.IN_PROGRESS, 1)
    inbox, total = await in_company(
        sessions, acme, pending_tasks_for, user_id=acme.users["employee"].id
    )
    assert total == 1
    assert (inbox[0].instance_id, inbox[0].level_name, inbox[0].source) == (
        instance.id,
        "Employee Submission",
        "INITIATOR",
    )
    assert [t.name for t in inbox[0].tasks] == ["Expense Approval Form"]
    [started] = await events_of(sessions, EventType.FLOW_STARTED)
    assert started.flow_id == flow_id
    assert started.payload["instanceId"] == instance.id


async def test_entering_a_level_starts_each_of_its_tasks_for_the_people_asked(
    sessions, acme
) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)

    kinds = sorted(e.event_type.value for e in await events_of(sessions))
    assert kinds == ["FLOW_STARTED", "TASK_STARTED"]
    [first] = await events_of(sessions, EventType.TASK_STARTED)
    assert (first.task_id, first.flow_id) == (acme.tasks["expense"], flow_id)
    assert {k: first.payload[k] for k in ("instanceId", "levelOrder", "assigneeIds")} == {
        "instanceId": instance.id,
        "levelOrder": 1,
        "assigneeIds": [acme.users["employee"].id],
    }
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    [_, second] = await events_of(sessions, EventType.TASK_STARTED)
    assert (second.task_id, second.payload["levelName"]) == (acme.tasks["review"], "Manager Review")
    managers = sorted(acme.users[m].id for m in ("manager", "manager2", "manager3"))
    assert sorted(second.payload["assigneeIds"]) == managers
    assert second.payload["data"]["Amount"] == 10
    await review(sessions, acme, instance.id, "manager", decision="Rejected")
    # Rejected at the manager level of this flow: it fails, and no task starts.
    assert len(await events_of(sessions, EventType.TASK_STARTED)) == 2


async def test_a_submission_accumulates_context_by_field_id_and_label(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)

    result = await submit(
        sessions,
        acme,
        instance.id,
        "employee",
        acme.tasks["expense"],
        expense_submission(acme, 12000),
    )

    assert result.level_closed
    assert result.instance.current_level_order == 2
    context = result.instance.context_data
    assert context["field_2"] == context["Amount"] == 12000
    assert context["Category"] == "Travel"
    [completed] = await events_of(sessions, EventType.TASK_COMPLETED)
    assert completed.task_id == acme.tasks["expense"]
    assert completed.payload["data"]["field_2"] == 12000
    assert completed.payload["executionId"] == result.execution.id


async def test_an_invalid_submission_lists_every_problem_and_writes_nothing(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)

    with pytest.raises(ValidationFailed) as failure:
        await submit(
            sessions,
            acme,
            instance.id,
            "employee",
            acme.tasks["expense"],
            {"Amount": -5, "Category": "Yachts"},
        )

    paths = {p.path for p in failure.value.problems}
    assert {"field_1", "field_2", "field_3", "field_4"} <= paths
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count(TaskExecution.id))) == 0
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 1)


async def test_the_tasks_cross_field_validations_hold_as_frozen_in_the_flow(sessions, acme) -> None:
    limit = {
        "rule": {
            "or": [{"!=": [{"var": "field_3"}, "Travel"]}, {"<=": [{"var": "field_2"}, 50000]}]
        },
        "message": "Travel over 50,000 needs a separate request",
        "fields": ["field_2"],
    }
    async with transaction(sessions, company_id=acme.company_id) as session:
        (await session.get(Task, acme.tasks["expense"])).validations = [limit]
    flow_id = await published_flow(sessions, acme)
    # Edited after publishing: the running definition keeps the validation it froze.
    async with transaction(sessions, company_id=acme.company_id) as session:
        (await session.get(Task, acme.tasks["expense"])).validations = []
    instance = await start(sessions, acme, flow_id)

    with pytest.raises(ValidationFailed) as failure:
        await submit(
            sessions,
            acme,
            instance.id,
            "employee",
            acme.tasks["expense"],
            expense_submission(acme, 60000),
        )
    assert [(p.path, p.code) for p in failure.value.problems] == [("field_2", "validation_rule")]
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count(TaskExecution.id))) == 0

    result = await submit(
        sessions,
        acme,
        instance.id,
        "employee",
        acme.tasks["expense"],
        expense_submission(acme, 12000),
    )
    assert result.instance.current_level_order == 2


async def test_only_the_people_asked_may_act_on_a_level(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)

    with pytest.raises(NotYourTurn):
        await submit(
            sessions,
            acme,
            instance.id,
            "manager",
            acme.tasks["expense"],
            expense_submission(acme, 5),
        )
    with pytest.raises(TaskNotOnLevel):
        await review(sessions, acme, instance.id, "employee")
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 50)
    )
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance.id, "employee")
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance.id, "finance")


async def test_manager_then_finance_approval_completes_the_instance(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions,
        acme,
        instance.id,
        "employee",
        acme.tasks["expense"],
        expense_submission(acme, 800),
    )

    await review(sessions, acme, instance.id, "manager2")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)
    await review(sessions, acme, instance.id, "finance")

    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.COMPLETED, None)
    [done] = await events_of(sessions, EventType.FLOW_COMPLETED)
    assert done.payload["instanceId"] == instance.id
    assert done.payload["data"]["Decision"] == "Approved"
    # Finance fills in the same review form as the manager: a submission, not an update.
    assert len(await events_of(sessions, EventType.TASK_COMPLETED)) == 3
    assert await events_of(sessions, EventType.TASK_UPDATED) == []
    with pytest.raises(InstanceClosed):
        await review(sessions, acme, instance.id, "finance")


async def test_a_manager_rejection_sends_the_expense_back_and_a_resubmission_reports_changes(
    sessions, acme
) -> None:
    flow_id = await published_flow(
        sessions,
        acme,
        expense_spec(
            acme, manager_config={"decision": {"field": "Decision"}, "onReject": {"sendBackTo": 1}}
        ),
    )
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions,
        acme,
        instance.id,
        "employee",
        acme.tasks["expense"],
        expense_submission(acme, 900),
    )

    await review(sessions, acme, instance.id, "manager", decision="Rejected")

    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 1)
    inbox, _ = await in_company(
        sessions, acme, pending_tasks_for, user_id=acme.users["employee"].id
    )
    assert [i.instance_id for i in inbox] == [instance.id]
    await submit(
        sessions,
        acme,
        instance.id,
        "employee",
        acme.tasks["expense"],
        expense_submission(acme, 700),
    )
    [updated] = await events_of(sessions, EventType.TASK_UPDATED)
    assert updated.payload["changedFields"] == ["field_2"]
    [changed] = await events_of(sessions, EventType.FIELD_CHANGED)
    assert {k: changed.payload[k] for k in ("fieldId", "fieldLabel", "oldValue", "newValue")} == {
        "fieldId": "field_2",
        "fieldLabel": "Amount",
        "oldValue": 900,
        "newValue": 700,
    }
    # The manager who rejected is asked again on the new visit of level 2.
    await review(sessions, acme, instance.id, "manager")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)


async def test_a_rejection_goes_back_to_the_level_its_config_names_by_name(sessions, acme) -> None:
    spec = expense_spec(
        acme,
        finance_config={
            "decision": {"field": "Decision"},
            "onReject": {"sendBackTo": "Manager Review"},
        },
    )
    flow_id = await published_flow(sessions, acme, spec)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )
    await review(sessions, acme, instance.id, "manager")

    await review(sessions, acme, instance.id, "finance", decision="Rejected")

    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 2)
    back = (await events_of(sessions, EventType.TASK_STARTED))[-1]
    assert (back.payload["levelName"], back.payload["stepNumber"]) == ("Manager Review", 4)
    await review(sessions, acme, instance.id, "manager2")
    await review(sessions, acme, instance.id, "finance")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.COMPLETED, None)


@pytest.mark.parametrize("equipment_first", [True, False])
async def test_branches_are_tried_by_priority_and_the_first_that_holds_decides(
    sessions, acme, equipment_first: bool
) -> None:
    equipment = BranchSpec(
        "Equipment is bought centrally",
        1,
        "END",
        {"==": [{"var": "Category"}, "Equipment"]},
        priority=1 if equipment_first else 3,
    )
    large = BranchSpec(
        "Large amounts go straight to finance", 1, 3, {">=": [{"var": "Amount"}, 1000]}, priority=2
    )
    flow_id = await published_flow(sessions, acme, expense_spec(acme, branches=[equipment, large]))

    async def after_submitting(amount: int, category: str):
        instance = await start(sessions, acme, flow_id)
        await submit(
            sessions,
            acme,
            instance.id,
            "employee",
            acme.tasks["expense"],
            expense_submission(acme, amount, category),
        )
        return await level_of(sessions, acme, instance.id)

    # Both branches hold: the one with the lower priority number wins.
    both = await after_submitting(5000, "Equipment")
    if equipment_first:
        assert both == (FlowInstanceStatus.COMPLETED, None)
    else:
        assert both == (FlowInstanceStatus.IN_PROGRESS, 3)
    assert await after_submitting(5000, "Travel") == (FlowInstanceStatus.IN_PROGRESS, 3)
    assert await after_submitting(50, "Equipment") == (FlowInstanceStatus.COMPLETED, None)
    # None holds: the next level in order.
    assert await after_submitting(50, "Travel") == (FlowInstanceStatus.IN_PROGRESS, 2)


async def test_a_finance_rejection_fails_the_instance(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )
    await review(sessions, acme, instance.id, "manager")

    await in_company(
        sessions,
        acme,
        reject,
        instance_id=instance.id,
        user_id=acme.users["finance"].id,
        comment="No receipt for the hotel",
    )

    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.FAILED, None)
    assert await events_of(sessions, EventType.FLOW_COMPLETED) == []


async def test_approving_needs_can_approve_and_a_level_without_tasks(sessions, acme) -> None:
    spec = expense_spec(acme, manager_tasks=[], manager_config={})
    spec.levels[1].roles = ["Manager", "Clerk"]
    flow_id = await published_flow(sessions, acme, spec)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    with pytest.raises(MissingPermission):
        await in_company(
            sessions, acme, approve, instance_id=instance.id, user_id=acme.users["clerk"].id
        )
    result = await in_company(
        sessions,
        acme,
        approve,
        instance_id=instance.id,
        user_id=acme.users["manager"].id,
        comment="Fine",
    )
    assert result.level_closed and result.instance.current_level_order == 3
    with pytest.raises(TasksPending):
        await in_company(
            sessions, acme, approve, instance_id=instance.id, user_id=acme.users["finance"].id
        )


async def test_a_manager_reassigns_the_review_to_a_colleague(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )
    users = {name: user.id for name, user in acme.users.items()}

    with pytest.raises(MissingPermission):
        await in_company(
            sessions,
            acme,
            reassign,
            instance_id=instance.id,
            user_id=users["employee"],
            from_user_id=users["manager"],
            to_user_id=users["colleague"],
        )
    with pytest.raises(AlreadyAssigned):
        await in_company(
            sessions,
            acme,
            reassign,
            instance_id=instance.id,
            user_id=users["manager"],
            to_user_id=users["manager2"],
        )
    await in_company(
        sessions,
        acme,
        reassign,
        instance_id=instance.id,
        user_id=users["manager"],
        to_user_id=users["colleague"],
        comment="On holiday",
    )

    inbox, _ = await in_company(sessions, acme, pending_tasks_for, user_id=users["colleague"])
    assert [(i.instance_id, i.source) for i in inbox] == [(instance.id, "REASSIGNED")]
    mine, _ = await in_company(sessions, acme, pending_tasks_for, user_id=users["manager"])
    assert mine == []
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance.id, "manager")
    await review(sessions, acme, instance.id, "colleague")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)


async def test_the_initiator_or_an_admin_may_cancel(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    first = await start(sessions, acme, flow_id)
    second = await start(sessions, acme, flow_id)

    with pytest.raises(MissingPermission):
        await in_company(
            sessions, acme, cancel, instance_id=first.id, user_id=acme.users["manager"].id
        )
    await in_company(
        sessions, acme, cancel, instance_id=first.id, user_id=acme.users["employee"].id, reason="x"
    )
    await in_company(sessions, acme, cancel, instance_id=second.id, user_id=acme.users["admin"].id)

    for instance in (first, second):
        assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.CANCELLED, None)
    inbox, total = await in_company(
        sessions, acme, pending_tasks_for, user_id=acme.users["employee"].id
    )
    assert (inbox, total) == ([], 0)
    with pytest.raises(InstanceClosed):
        await in_company(
            sessions, acme, cancel, instance_id=first.id, user_id=acme.users["admin"].id
        )


async def test_every_manager_must_approve_when_the_level_says_all(sessions, acme) -> None:
    config = {"completion": "all", "decision": {"field": "Decision"}}
    flow_id = await published_flow(sessions, acme, expense_spec(acme, manager_config=config))
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    await review(sessions, acme, instance.id, "manager")
    await review(sessions, acme, instance.id, "manager3")
    view = await in_company(sessions, acme, get_instance, instance_id=instance.id)
    assert (view.current.order, view.current.approvals, view.current.required_approvals) == (
        2,
        2,
        3,
    )
    assert [w.user_id for w in view.current.waiting_on] == [acme.users["manager2"].id]
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance.id, "manager")
    await review(sessions, acme, instance.id, "manager2")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)


async def test_two_of_three_managers_make_a_consensus(sessions, acme) -> None:
    config = {"completion": 2, "decision": {"field": "Decision"}}
    flow_id = await published_flow(sessions, acme, expense_spec(acme, manager_config=config))
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    await review(sessions, acme, instance.id, "manager2")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 2)
    await review(sessions, acme, instance.id, "manager3")
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)
    with pytest.raises(LevelMoved):
        await review(sessions, acme, instance.id, "manager", expected_level=2)
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance.id, "manager")


async def test_a_trigger_starts_a_flow_with_data_assigned_to_a_role(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)

    instance = await start(
        sessions,
        acme,
        flow_id,
        initiator_id=acme.users["admin"].id,
        data={"field_2": 25000, "Amount": 25000},
        assign_to="Finance",
        chain_depth=2,
    )

    assert instance.context_data["Amount"] == 25000
    inbox, _ = await in_company(sessions, acme, pending_tasks_for, user_id=acme.users["finance"].id)
    assert [(i.instance_id, i.level_order, i.source) for i in inbox] == [
        (instance.id, 1, "ASSIGNED")
    ]
    [started] = await events_of(sessions, EventType.FLOW_STARTED)
    assert started.chain_depth == 2
    with pytest.raises(ValidationFailed):
        await start(sessions, acme, flow_id, assign_to="Nobody")
    with pytest.raises(NotFound):
        await start(sessions, acme, flow_id, initiator_id="no-such-user")


async def test_a_level_deadline_marks_the_task_overdue(sessions, acme) -> None:
    config = {"deadlineHours": 48, "decision": {"field": "Decision"}}
    flow_id = await published_flow(sessions, acme, expense_spec(acme, manager_config=config))
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    [item], _ = await in_company(
        sessions, acme, pending_tasks_for, user_id=acme.users["manager"].id
    )
    assert (item.due_at - item.assigned_at).total_seconds() == pytest.approx(48 * 3600, abs=5)
    assert not item.overdue
    async with sessions() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE flow_steps SET due_at = now() - interval '1 hour' WHERE status = 'ACTIVE'"
            )
        )
    [item], _ = await in_company(
        sessions, acme, pending_tasks_for, user_id=acme.users["manager"].id
    )
    assert item.overdue


async def test_a_level_nobody_holds_the_role_for_waits_until_an_admin_assigns_it(
    sessions, acme
) -> None:
    async with transaction(sessions) as session:
        session.add(Role(company_id=acme.company_id, name="Auditor", permissions={}))
    spec = expense_spec(acme)
    spec.levels[1].roles = ["Auditor"]
    flow_id = await published_flow(sessions, acme, spec)
    instance = await start(sessions, acme, flow_id)
    await submit(
        sessions, acme, instance.id, "employee", acme.tasks["expense"], expense_submission(acme, 10)
    )

    view = await in_company(sessions, acme, get_instance, instance_id=instance.id)
    assert (view.current.order, view.current.waiting_on) == (2, [])
    with pytest.raises(NotYourTurn):
        await in_company(
            sessions,
            acme,
            reassign,
            instance_id=instance.id,
            user_id=acme.users["admin"].id,
            from_user_id=acme.users["manager"].id,
            to_user_id=acme.users["manager2"].id,
        )
    await in_company(
        sessions,
        acme,
        reassign,
        instance_id=instance.id,
        user_id=acme.users["admin"].id,
        to_user_id=acme.users["manager2"].id,
    )
    await review(sessions, acme, instance.id, "manager2", expected_level=2)
    assert await level_of(sessions, acme, instance.id) == (FlowInstanceStatus.IN_PROGRESS, 3)


async def test_a_level_with_two_tasks_is_decided_once_both_are_submitted(sessions, acme) -> None:
    async with transaction(sessions) as session:
        checklist = Task(
            company_id=acme.company_id,
            name="Receipt Checklist",
            fields=[{"id": "checked", "type": "checkbox", "label": "Receipts checked"}],
            status=TaskStatus.PUBLISHED,
            created_by_id=acme.users["admin"].id,
        )
        session.add(checklist)
    config = {"decision": {"field": "Decision"}, "onReject": {"sendBackTo": 1}}
    spec = expense_spec(
        acme, manager_config=config, manager_tasks=[acme.tasks["review"], checklist.id]
    )
    flow_id = await published_flow(sessions, acme, spec)
    first = await start(sessions, acme, flow_id)
    second = await start(sessions, acme, flow_id)
    for instance in (first, second):
        await submit(
            sessions,
            acme,
            instance.id,
            "employee",
            acme.tasks["expense"],
            expense_submission(acme, 10),
        )

    await review(sessions, acme, first.id, "manager", decision="Rejected")
    assert await level_of(sessions, acme, first.id) == (FlowInstanceStatus.IN_PROGRESS, 2)
    done = await submit(sessions, acme, first.id, "manager", checklist.id, {"checked": True})
    assert done.level_closed and done.instance.current_level_order == 1

    await submit(sessions, acme, second.id, "manager", checklist.id, {"checked": True})
    assert await level_of(sessions, acme, second.id) == (FlowInstanceStatus.IN_PROGRESS, 2)
    await review(sessions, acme, second.id, "manager")
    assert await level_of(sessions, acme, second.id) == (FlowInstanceStatus.IN_PROGRESS, 3)
