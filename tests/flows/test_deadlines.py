"""Deadlines that act: when a level's deadline passes, its onDeadline action (notify, escalate,
reject) runs once per visit of the level, never before the deadline, and never twice even with
two schedulers racing."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.flows import (
    apply_overdue_deadlines,
    execute_task,
    get_instance,
    instance_history,
    pending_tasks_for,
)
from core.models import (
    AuditLog,
    FlowInstanceStatus,
    FlowStep,
    Notification,
    User,
    utcnow,
)
from core.plugins.manager import get_plugins
from core.settings import AutomationSettings
from scheduler.daemon import SchedulerDaemon
from scheduler.embedded import InProcessPipeline
from tests.world.app import make_settings
from tests.world.flows import (
    DECIDED_BY_FORM,
    expense_spec,
    in_company,
    problems_of,
    published_flow,
    start,
    submit_expense,
)
from tests.world.services import eventually
from tests.world.tenants import Tenant

LATER = timedelta(hours=3)


async def overdue_soon(sessions, acme: Tenant, on_deadline: dict[str, Any] | None, **config) -> str:
    """An instance waiting on Manager Review, whose deadline is two hours away."""
    manager = {**DECIDED_BY_FORM, "deadlineHours": 2, **config}
    if on_deadline is not None:
        manager["onDeadline"] = on_deadline
    flow_id = await published_flow(sessions, acme, expense_spec(acme, manager_config=manager))
    instance = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, instance.id)
    return instance.id


async def notified(sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(User.first_name, Notification.title)
            .join(User, User.id == Notification.user_id)
            .order_by(User.first_name)
        )
        return [tuple(r) for r in rows]


async def audits(sessions, action: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        return list(
            await session.scalars(sa.select(AuditLog.metadata_).where(AuditLog.action == action))
        )


async def kinds(sessions, acme: Tenant, instance_id: str) -> list[str]:
    history = await in_company(sessions, acme, instance_history, instance_id=instance_id)
    return [h.kind for h in history]


async def test_nothing_happens_before_the_deadline(sessions, acme) -> None:
    await overdue_soon(sessions, acme, {"action": "reject"})

    assert await apply_overdue_deadlines(sessions) == []
    assert await apply_overdue_deadlines(sessions, now=utcnow() + timedelta(hours=1)) == []

    async with sessions() as session:
        step = await session.scalar(sa.select(FlowStep).where(FlowStep.level_order == 2))
    assert step.status == "ACTIVE" and step.deadline_handled_at is None


async def test_by_default_a_passed_deadline_notifies_those_who_may_act_and_the_initiator(
    sessions, acme
) -> None:
    instance_id = await overdue_soon(sessions, acme, None)

    [done] = await apply_overdue_deadlines(sessions, now=utcnow() + LATER)

    assert (done.instance_id, done.action) == (instance_id, "notify")
    title = "Overdue: Expense Approval Workflow, level 2 (Manager Review)"
    assert await notified(sessions) == [
        ("Employee", title),
        ("Manager", title),
        ("Manager2", title),
        ("Manager3", title),
    ]
    assert (await kinds(sessions, acme, instance_id))[-1] == "OVERDUE"
    [audit] = await audits(sessions, "flow_instance.deadline_passed")
    assert audit["automatic"] is True and audit["levelOrder"] == 2
    # Handled once: later rounds leave it alone, and the level still waits for a manager.
    assert await apply_overdue_deadlines(sessions, now=utcnow() + 2 * LATER) == []
    assert len(await notified(sessions)) == 4
    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    assert view.instance.status is FlowInstanceStatus.IN_PROGRESS and view.current.order == 2


async def test_an_escalation_hands_the_pending_task_to_the_named_user(sessions, acme) -> None:
    instance_id = await overdue_soon(
        sessions, acme, {"action": "escalate", "userId": acme.users["colleague"].id}
    )

    [done] = await apply_overdue_deadlines(sessions, now=utcnow() + LATER)

    assert done.action == "escalate"
    for manager in ("manager", "manager2", "manager3"):
        items, _ = await in_company(
            sessions, acme, pending_tasks_for, user_id=acme.users[manager].id
        )
        assert items == []
    [item] = (
        await in_company(sessions, acme, pending_tasks_for, user_id=acme.users["colleague"].id)
    )[0]
    assert (item.instance_id, item.source) == (instance_id, "REASSIGNED")
    history = await in_company(sessions, acme, instance_history, instance_id=instance_id)
    assert history[-1].kind == "REASSIGNED"
    assert history[-1].details["to"] == acme.users["colleague"].id
    assert history[-1].details["reason"] == "deadline"
    assert sorted(history[-1].details["from"]) == sorted(
        acme.users[m].id for m in ("manager", "manager2", "manager3")
    )
    [audit] = await audits(sessions, "flow_instance.reassigned")
    assert audit["automatic"] is True
    assert await notified(sessions) == [("Colleague", "Escalated to you: level 2 (Manager Review)")]

    result = await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=acme.tasks["review"],
        user_id=acme.users["colleague"].id,
        data={"Decision": "Approved"},
    )
    assert result.level_closed and result.instance.current_level_order == 3


async def test_an_escalation_to_a_user_gone_since_falls_back_to_notifying(sessions, acme) -> None:
    await overdue_soon(sessions, acme, {"action": "escalate", "userId": acme.users["colleague"].id})
    async with transaction(sessions) as session:
        await session.execute(
            sa.update(User).where(User.id == acme.users["colleague"].id).values(is_active=False)
        )

    [done] = await apply_overdue_deadlines(sessions, now=utcnow() + LATER)

    assert done.action == "notify" and "No active user" in done.details["error"]
    assert len(await notified(sessions)) == 4


async def test_a_rejecting_deadline_fails_the_instance(sessions, acme) -> None:
    instance_id = await overdue_soon(sessions, acme, {"action": "reject"})

    [done] = await apply_overdue_deadlines(sessions, now=utcnow() + LATER)

    assert done.action == "reject"
    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    assert view.instance.status is FlowInstanceStatus.FAILED and view.current is None
    assert (await kinds(sessions, acme, instance_id))[-2:] == ["REJECTED", "FAILED"]
    [audit] = await audits(sessions, "flow_instance.rejected")
    assert audit["automatic"] is True
    items, _ = await in_company(sessions, acme, pending_tasks_for, user_id=acme.users["manager"].id)
    assert items == []


async def test_a_rejecting_deadline_sends_back_as_the_level_says(sessions, acme) -> None:
    instance_id = await overdue_soon(
        sessions, acme, {"action": "reject"}, onReject={"sendBackTo": 1}
    )

    await apply_overdue_deadlines(sessions, now=utcnow() + LATER)

    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    assert view.instance.status is FlowInstanceStatus.IN_PROGRESS
    assert view.current.order == 1 and view.current.due_at is None
    history = await in_company(sessions, acme, instance_history, instance_id=instance_id)
    assert history[-1].kind == "REJECTED" and history[-1].details["sentBackTo"] == 1


async def test_two_schedulers_racing_apply_a_deadline_exactly_once(sessions, acme) -> None:
    instance_ids = [await overdue_soon(sessions, acme, None)]
    when = utcnow() + LATER

    first, second = await asyncio.gather(
        apply_overdue_deadlines(sessions, now=when), apply_overdue_deadlines(sessions, now=when)
    )

    assert [d.instance_id for d in first + second] == instance_ids
    assert len(await notified(sessions)) == 4
    assert (await kinds(sessions, acme, instance_ids[0])).count("OVERDUE") == 1
    assert len(await audits(sessions, "flow_instance.deadline_passed")) == 1


async def make_overdue(sessions) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            sa.update(FlowStep)
            .where(FlowStep.status == "ACTIVE")
            .values(due_at=utcnow() - timedelta(minutes=1))
        )


async def instance_failed(sessions, acme: Tenant, instance_id: str) -> bool:
    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    return view.instance.status is FlowInstanceStatus.FAILED


async def test_the_scheduler_daemon_applies_deadlines_on_its_own(sessions, acme) -> None:
    instance_id = await overdue_soon(sessions, acme, {"action": "reject"})
    await make_overdue(sessions)
    daemon = SchedulerDaemon(sessions, AutomationSettings(scheduler_sync_seconds=0.1))
    daemon.start()
    try:
        assert await eventually(lambda: instance_failed(sessions, acme, instance_id), within=10)
    finally:
        daemon.stop()


async def test_the_in_process_pipeline_of_erp_serve_applies_deadlines(
    sessions, acme, database_url, tmp_path
) -> None:
    instance_id = await overdue_soon(sessions, acme, {"action": "reject"})
    await make_overdue(sessions)
    settings = make_settings(database_url, tmp_path / "files")
    settings = dataclasses.replace(
        settings, automation=dataclasses.replace(settings.automation, scheduler_sync_seconds=0.1)
    )
    pipeline = InProcessPipeline(settings, sessions, get_plugins())
    await pipeline.start()
    try:
        assert await eventually(lambda: instance_failed(sessions, acme, instance_id), within=10)
    finally:
        await pipeline.stop()


@pytest.mark.parametrize(
    ("on_deadline", "deadline", "expected"),
    [
        ({"action": "explode"}, True, {"/levels/1/config/onDeadline/action": "invalid"}),
        ({"action": "escalate"}, True, {"/levels/1/config/onDeadline/userId": "required"}),
        (
            {"action": "escalate", "userId": "nobody"},
            True,
            {"/levels/1/config/onDeadline/userId": "not_found"},
        ),
        ({"action": "reject", "to": 3}, True, {"/levels/1/config/onDeadline/to": "unknown"}),
        ({"action": "notify"}, False, {"/levels/1/config/onDeadline": "invalid"}),
        ("reject", True, {"/levels/1/config/onDeadline": "invalid"}),
    ],
)
async def test_on_deadline_is_checked_when_the_flow_is_saved(
    sessions, acme, on_deadline, deadline, expected
) -> None:
    config = {**DECIDED_BY_FORM, "onDeadline": on_deadline}
    if deadline:
        config["deadlineHours"] = 24
    spec = expense_spec(acme, manager_config=config)
    assert await problems_of(sessions, acme, spec) == expected
