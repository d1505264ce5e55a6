"""Executions listed with filters, the seed's 7-day statistics, the retry of a failed
execution, and notifications written by the notify action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.database import transaction
from core.errors import Conflict
from core.models import EventType, TriggerExecutionStatus, utcnow
from core.notifications import list_notifications, mark_read, unread_count
from core.triggers import execution_stats, list_executions, retry_execution
from tests.world.automation import Pipeline, add_trigger, executions, expense, record
from tests.world.services import HttpReceiver, eventually
from tests.world.tenants import Sessions, Tenant


async def test_executions_filters_and_weekly_statistics(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    ok = await add_trigger(sessions, acme.company_id, name="ok")
    failing = await add_trigger(
        sessions,
        acme.company_id,
        name="failing",
        actions=[{"type": "http_request", "config": {"url": receiver.url}}],
    )
    receiver.statuses = [404, 404]
    for amount in (1, 2):
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(amount))
    await pipeline.drain()

    async with sessions() as session:
        everything, total = await list_executions(session, company_id=acme.company_id)
        assert total == 4 and len(everything) == 4
        failed, _ = await list_executions(
            session, company_id=acme.company_id, status=TriggerExecutionStatus.FAILED
        )
        assert {e.trigger_id for e in failed} == {failing}
        page, total = await list_executions(
            session, company_id=acme.company_id, trigger_id=ok, limit=1
        )
        assert total == 2 and len(page) == 1
        later, _ = await list_executions(
            session, company_id=acme.company_id, since=utcnow() + timedelta(minutes=1)
        )
        assert later == []
        stats = await execution_stats(session, company_id=acme.company_id)
        assert stats["total"] == 4
        assert stats["byStatus"] == {"SUCCESS": 2, "PARTIAL_SUCCESS": 0, "FAILED": 2}
        old = await execution_stats(
            session, company_id=acme.company_id, now=utcnow() + timedelta(days=8)
        )
        assert old["total"] == 0
        other_company = await execution_stats(session, company_id="nobody")
        assert other_company["total"] == 0


async def test_a_failed_execution_is_retried_on_request(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[{"type": "http_request", "config": {"url": receiver.url + "/x"}}],
    )
    receiver.statuses = [500]
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()
    [failed] = await executions(sessions, trigger_id)
    assert failed.status is TriggerExecutionStatus.FAILED

    settings = pipeline.engine.settings.automation
    async with transaction(sessions) as session:
        run_id = await retry_execution(
            session, company_id=acme.company_id, execution_id=failed.id, automation=settings
        )
    async with transaction(sessions) as session:
        again = await retry_execution(
            session, company_id=acme.company_id, execution_id=failed.id, automation=settings
        )
    assert again == run_id  # asking twice retries once
    await pipeline.dispatcher.send_run(run_id)
    await pipeline.dispatcher.idle()

    done = await eventually(lambda: _two(executions(sessions, trigger_id)))
    assert [e.status for e in done] == [
        TriggerExecutionStatus.FAILED,
        TriggerExecutionStatus.SUCCESS,
    ]
    async with transaction(sessions) as session:
        with pytest.raises(Conflict):
            await retry_execution(
                session, company_id=acme.company_id, execution_id=done[1].id, automation=settings
            )


async def test_retrying_a_partial_success_runs_only_the_actions_that_did_not_succeed(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[
            {"type": "http_request", "config": {"url": receiver.url + "/sent"}},
            {"type": "http_request", "config": {"url": receiver.url + "/flaky"}},
        ],
    )
    receiver.statuses = [200, 500]
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()
    [partial] = await executions(sessions, trigger_id)
    assert partial.status is TriggerExecutionStatus.PARTIAL_SUCCESS

    async with transaction(sessions) as session:
        run_id = await retry_execution(
            session,
            company_id=acme.company_id,
            execution_id=partial.id,
            automation=pipeline.engine.settings.automation,
        )
    await pipeline.dispatcher.send_run(run_id)
    await pipeline.dispatcher.idle()

    [_, retried] = await eventually(lambda: _two(executions(sessions, trigger_id)))
    assert retried.status is TriggerExecutionStatus.SUCCESS
    # The first action's request was not sent again; its result is the one it had.
    assert [r.path for r in receiver.requests] == ["/sent", "/flaky", "/flaky"]
    assert retried.actions_executed[0]["fromExecution"] == partial.id
    assert retried.actions_executed[0]["output"] == partial.actions_executed[0]["output"]
    assert retried.actions_executed[1]["attempts"] == 1


async def test_notify_writes_notifications_users_can_read(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "notify",
                "config": {
                    "title": "Expense of {{ amount }} by {{ employee_name }}",
                    "roles": ["ADMIN"],
                    "link": "/tasks/{{ event.taskId }}",
                },
            }
        ],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(99, "Bo"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.actions_executed[0]["output"] == {"notified": [acme.users["cfo"].id]}
    async with transaction(sessions) as session:
        notes, total = await list_notifications(
            session, company_id=acme.company_id, user_id=acme.users["cfo"].id
        )
        assert total == 1
        assert notes[0].title == "Expense of 99 by Bo"
        assert notes[0].link == f"/tasks/{acme.tasks['expense']}"
        assert (
            await unread_count(session, company_id=acme.company_id, user_id=acme.users["cfo"].id)
            == 1
        )
        # Another user cannot mark the CFO's notification read.
        assert (
            await mark_read(
                session,
                company_id=acme.company_id,
                user_id=acme.users["developer"].id,
                notification_ids=[notes[0].id],
            )
            == 0
        )
        assert (
            await mark_read(session, company_id=acme.company_id, user_id=acme.users["cfo"].id) == 1
        )
        assert (
            await unread_count(session, company_id=acme.company_id, user_id=acme.users["cfo"].id)
            == 0
        )


async def _two(found):
    items = await found
    return items if len(items) == 2 else None
