"""The trigger engine end to end in one process: outbox -> relay -> matching -> conditions ->
actions -> TriggerExecution, on PostgreSQL, with a real SMTP server and HTTP receiver."""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.database import transaction
from core.models import EventType, OutboxEvent, Trigger, TriggerExecutionStatus
from core.models.automation import TriggerRun
from scheduler.dispatch import InProcessDispatcher
from scheduler.relay import redeliver_stale_runs, relay_once
from tests.world.automation import (
    HIGH_VALUE_ACTIONS,
    HIGH_VALUE_CONDITIONS,
    Pipeline,
    add_trigger,
    executions,
    expense,
    make_pipeline,
    record,
    settings_for,
)
from tests.world.services import HttpReceiver, SmtpServer, eventually
from tests.world.tenants import Sessions, Tenant


async def test_high_value_expense_emails_the_cfo(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, smtp: SmtpServer
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        name="High-Value Alert",
        task_id=acme.tasks["expense"],
        conditions=HIGH_VALUE_CONDITIONS,
        actions=HIGH_VALUE_ACTIONS,
    )
    before = len(smtp.mailbox.messages)
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(12000, "Jane Doe", "Equipment"),
        task_id=acme.tasks["expense"],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(500),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    done = await executions(sessions, trigger_id)
    assert sorted(e.conditions_met for e in done) == [False, True]
    fired = next(e for e in done if e.conditions_met)
    assert fired.status is TriggerExecutionStatus.SUCCESS
    assert fired.event_data["data"]["field_2"] == 12000
    assert fired.condition_result["steps"][1]["args"] == [12000, 10000]
    assert fired.actions_executed[0]["status"] == "success"
    assert fired.actions_executed[0]["attempts"] == 1
    quiet = next(e for e in done if not e.conditions_met)
    assert quiet.actions_executed == [] and quiet.status is TriggerExecutionStatus.SUCCESS
    assert quiet.condition_result["steps"][1]["args"] == [500, 10000]

    [mail] = smtp.mailbox.messages[before:]
    assert mail["To"] == "cfo@acme.com"
    assert mail["Subject"] == "High-value expense requires review"
    body = mail.get_payload(decode=True).decode()
    assert "Employee: Jane Doe" in body
    assert "Amount: $12000" in body
    assert "Category: Equipment" in body
    assert "Please review at: https://erp.example/tasks/expense" in body


async def test_a_redelivered_event_runs_each_trigger_once(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[{"type": "http_request", "config": {"url": receiver.url + "/hook"}}],
    )
    event_id = await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    for _ in range(3):  # the broker hands the same message over again
        await pipeline.engine.handle_events([event_id])
    await pipeline.drain()

    assert len(await executions(sessions, trigger_id)) == 1
    assert len(receiver.requests) == 1


async def test_actions_run_in_order_with_templated_json_body(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "http_request",
                "config": {
                    "url": receiver.url + "/first",
                    "headers": {"X-Employee": "{{ employee_name }}"},
                    "body": {
                        "amount": "{{ amount }}",
                        "text": "{{ amount }} by {{ employee_name }}",
                    },
                },
            },
            {"type": "http_request", "config": {"url": receiver.url + "/second", "method": "PUT"}},
        ],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(75, "Ann"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS
    assert [r.path for r in receiver.requests] == ["/first", "/second"]
    first = receiver.requests[0]
    assert first.body == {"amount": 75, "text": "75 by Ann"}
    assert first.headers["x-employee"] == "Ann"
    assert first.headers["idempotency-key"].endswith(".0")
    assert execution.actions_executed[0]["output"]["status"] == 200


async def test_a_failing_action_is_retried_with_backoff_until_it_succeeds(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    receiver.statuses = [503, 503]
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        settings={"retries": 3, "retryBackoffSeconds": 0.05},
        actions=[{"type": "http_request", "config": {"url": receiver.url + "/flaky"}}],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await eventually(lambda: executions(sessions, trigger_id))
    assert execution.status is TriggerExecutionStatus.SUCCESS
    assert execution.actions_executed[0]["attempts"] == 3
    assert len(receiver.requests) == 3
    keys = {r.headers["idempotency-key"] for r in receiver.requests}
    assert len(keys) == 1  # the receiver can tell the three attempts are one action


async def test_stop_and_continue_on_failure(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    failing = {"type": "http_request", "config": {"url": receiver.url + "/bad"}}
    after = {"type": "http_request", "config": {"url": receiver.url + "/after"}}
    stops = await add_trigger(sessions, acme.company_id, name="stops", actions=[failing, after])
    goes_on = await add_trigger(
        sessions,
        acme.company_id,
        name="goes on",
        settings={"onActionFailure": "continue"},
        actions=[failing, after],
    )
    receiver.statuses = [400, 400]  # a client error is not retried
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [stopped] = await executions(sessions, stops)
    assert stopped.status is TriggerExecutionStatus.FAILED
    assert [a["status"] for a in stopped.actions_executed] == ["failed", "skipped"]
    assert "answered 400" in stopped.error_message
    [continued] = await executions(sessions, goes_on)
    assert continued.status is TriggerExecutionStatus.PARTIAL_SUCCESS
    assert [a["status"] for a in continued.actions_executed] == ["failed", "success"]
    assert [r.path for r in receiver.requests].count("/after") == 1


async def test_an_action_may_override_the_triggers_failure_policy(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    failing = {"type": "http_request", "config": {"url": receiver.url + "/bad"}}
    after = {"type": "http_request", "config": {"url": receiver.url + "/after"}}
    lenient = await add_trigger(
        sessions,
        acme.company_id,
        name="lenient",
        actions=[{**failing, "onFailure": "continue"}, after],
    )
    strict = await add_trigger(
        sessions,
        acme.company_id,
        name="strict",
        settings={"onActionFailure": "continue"},
        actions=[{**failing, "onFailure": "stop"}, after],
    )
    receiver.statuses = [400, 400]
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [went_on] = await executions(sessions, lenient)
    assert [a["status"] for a in went_on.actions_executed] == ["failed", "success"]
    [stopped] = await executions(sessions, strict)
    assert [a["status"] for a in stopped.actions_executed] == ["failed", "skipped"]


async def test_inactive_triggers_and_other_tasks_do_not_fire(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    off = await add_trigger(
        sessions, acme.company_id, task_id=acme.tasks["expense"], is_active=False
    )
    other_type = await add_trigger(
        sessions, acme.company_id, task_id=acme.tasks["expense"], event_type=EventType.TASK_STARTED
    )
    any_task = await add_trigger(sessions, acme.company_id)
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(1),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    assert await executions(sessions, off) == []
    assert await executions(sessions, other_type) == []
    assert len(await executions(sessions, any_task)) == 1


async def test_a_trigger_loop_is_cut_at_the_chain_depth_limit(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(
        sessions, acme.company_id, settings={"maxChainDepth": 3}, actions=[{"type": "noop"}]
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1), chain_depth=2)
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(2), chain_depth=3)
    await pipeline.drain()

    runs = {e.event_data["data"]["field_2"]: e for e in await executions(sessions, trigger_id)}
    assert runs[1].status is TriggerExecutionStatus.SUCCESS
    assert runs[2].status is TriggerExecutionStatus.FAILED
    assert runs[2].actions_executed == []
    assert "chain depth limit reached" in runs[2].error_message


async def test_without_its_own_limit_a_trigger_stops_at_the_platform_chain_depth(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    line = await make_pipeline(
        sessions, settings_for(database_url, smtp.port, ERP_TRIGGER_MAX_CHAIN_DEPTH="2")
    )
    try:
        trigger_id = await add_trigger(sessions, acme.company_id)
        for depth in (1, 2):
            await record(
                sessions,
                acme.company_id,
                EventType.TASK_COMPLETED,
                expense(depth),
                chain_depth=depth,
            )
        await line.drain()
    finally:
        await line.dispatcher.stop()
        await line.engine.http.aclose()

    runs = {e.event_data["data"]["field_2"]: e for e in await executions(sessions, trigger_id)}
    assert runs[1].status is TriggerExecutionStatus.SUCCESS
    assert runs[2].status is TriggerExecutionStatus.FAILED
    assert "(limit 2)" in runs[2].error_message


async def test_the_rate_limit_stops_runs_beyond_it(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(
        sessions, acme.company_id, settings={"rateLimit": {"max": 2, "perSeconds": 3600}}
    )
    for amount in range(4):
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(amount))
    await pipeline.drain()

    statuses = sorted(e.status.value for e in await executions(sessions, trigger_id))
    assert statuses == ["FAILED", "FAILED", "SUCCESS", "SUCCESS"]
    blocked = [e for e in await executions(sessions, trigger_id) if e.error_message]
    assert all("rate limit reached" in e.error_message for e in blocked)


async def test_a_delayed_trigger_runs_after_its_delay(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(sessions, acme.company_id, settings={"delaySeconds": 0.5})
    event_id = await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()
    async with sessions() as session:
        run = await session.scalar(sa.select(TriggerRun).where(TriggerRun.trigger_id == trigger_id))
        event = await session.get(OutboxEvent, event_id)
    assert run is not None and run.status == "pending"
    assert event is not None

    [execution] = await eventually(lambda: executions(sessions, trigger_id))
    assert execution.status is TriggerExecutionStatus.SUCCESS
    assert (execution.executed_at - event.created_at).total_seconds() >= 0.5


async def test_a_trigger_switched_off_while_its_run_waits_runs_no_more_actions(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    delayed = await add_trigger(
        sessions,
        acme.company_id,
        name="delayed",
        settings={"delaySeconds": 1},
        actions=[{"type": "http_request", "config": {"url": receiver.url + "/later"}}],
    )
    retrying = await add_trigger(
        sessions,
        acme.company_id,
        name="retrying",
        settings={"retries": 3, "retryBackoffSeconds": 1},
        actions=[
            {"type": "http_request", "config": {"url": receiver.url + "/first"}},
            {"type": "http_request", "config": {"url": receiver.url + "/flaky"}},
        ],
    )
    receiver.statuses = [200, 503]
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()
    await eventually(lambda: _arrived(receiver, "/flaky"))
    async with transaction(sessions) as session:
        await session.execute(
            sa.update(Trigger).where(Trigger.id.in_([delayed, retrying])).values(is_active=False)
        )

    [waited] = await eventually(lambda: executions(sessions, delayed))
    [retried] = await eventually(lambda: executions(sessions, retrying))
    assert waited.status is TriggerExecutionStatus.FAILED
    assert "switched off" in (waited.error_message or "")
    assert retried.status is TriggerExecutionStatus.PARTIAL_SUCCESS
    assert [r.path for r in receiver.requests] == ["/first", "/flaky"]


async def _arrived(receiver: HttpReceiver, path: str) -> bool:
    return any(r.path == path for r in receiver.requests)


async def test_a_template_cannot_reach_python_internals(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[
            {
                "type": "http_request",
                "config": {"url": receiver.url, "body": {"x": "{{ ''.__class__.__mro__ }}"}},
            }
        ],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert "template" in execution.error_message
    assert receiver.requests == []


async def test_an_unknown_action_fails_the_execution_without_retrying(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(
        sessions, acme.company_id, settings={"retries": 5}, actions=[{"type": "teleport"}]
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert execution.actions_executed[0]["attempts"] == 1
    assert "unknown action type 'teleport'" in execution.error_message


async def test_the_in_process_relay_admits_events_before_marking_them_dispatched(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    """The in-process queue lives in memory: an event handed to it must already have its
    runs committed, or a process dying with the queue would lose it. Here the queue is never
    drained (the process "dies"); a fresh engine then finishes the run through the stale-run
    sweep, exactly once."""
    settings = settings_for(database_url, smtp.port, ERP_TRIGGER_LEASE_SECONDS="1")
    first = await make_pipeline(sessions, settings)
    await first.dispatcher.stop()  # nothing will drain its queue
    dead = InProcessDispatcher(
        first.dispatcher.handle, admit=partial(first.engine.admit_events, mark=False)
    )
    trigger_id = await add_trigger(sessions, acme.company_id, task_id=acme.tasks["expense"])
    event_id = await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(700),
        task_id=acme.tasks["expense"],
    )

    assert await relay_once(sessions, dead, batch_size=10) == 1
    async with sessions() as session:
        dispatched, admitted = (
            await session.execute(
                sa.select(OutboxEvent.dispatched_at, OutboxEvent.admitted_at).where(
                    OutboxEvent.id == event_id
                )
            )
        ).one()
        runs = (
            await session.scalars(sa.select(TriggerRun).where(TriggerRun.event_id == event_id))
        ).all()
    assert dispatched is not None and admitted is not None
    assert [r.trigger_id for r in runs] == [trigger_id]
    assert await executions(sessions, trigger_id) == []

    second = await make_pipeline(sessions, settings)
    try:
        # Once the dead engine's lease on the run has run out, the sweep resends it.
        await eventually(
            lambda: redeliver_stale_runs(sessions, second.dispatcher, stale_seconds=0), within=10
        )
        await second.dispatcher.idle()
        assert await redeliver_stale_runs(sessions, second.dispatcher, stale_seconds=0) == 0
    finally:
        await second.dispatcher.stop()
        await second.engine.http.aclose()
        await first.engine.http.aclose()
    [done] = await executions(sessions, trigger_id)
    assert done.status is TriggerExecutionStatus.SUCCESS
