"""The built-in actions that write to the platform (start_flow, create_record, update_record)
and the send_email action's inline form, run by the trigger engine on PostgreSQL; a loop of
triggers through records cut at the chain depth limit; retries that run out."""

from __future__ import annotations

import itertools
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.database import transaction
from core.flows import pending_tasks_for
from core.models import (
    ActionEffect,
    CustomTableRecord,
    EventType,
    FlowInstance,
    OutboxEvent,
    TriggerExecutionStatus,
)
from tests.world.automation import (
    LEDGER,
    Pipeline,
    add_table,
    add_trigger,
    executions,
    expense,
    finance_flow,
    make_pipeline,
    record,
    settings_for,
)
from tests.world.services import HttpReceiver, SmtpServer, eventually, free_port
from tests.world.tenants import Sessions, Tenant


async def records_of(sessions: Sessions, table_id: str) -> list[CustomTableRecord]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(CustomTableRecord)
            .where(CustomTableRecord.table_id == table_id)
            .order_by(CustomTableRecord.created_at)
        )
        return list(rows.all())


async def test_start_flow_passes_the_event_data_and_assigns_the_first_level(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    flow_id, fiona = await finance_flow(sessions, acme)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        name="Big expenses to finance",
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "start_flow",
                "config": {
                    "flowId": flow_id,
                    "assignTo": "Finance",
                    "passData": True,
                    "data": {"raisedBy": "{{ trigger.name }}"},
                },
            }
        ],
    )
    payload = {**expense(12000, "Jane Doe"), "executorId": acme.users["developer"].id}
    await record(
        sessions, acme.company_id, EventType.TASK_COMPLETED, payload, task_id=acme.tasks["expense"]
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    instance_id = execution.actions_executed[0]["output"]["flowInstanceId"]
    async with sessions() as session:
        instance = await session.get(FlowInstance, instance_id)
        started = await session.scalar(
            sa.select(OutboxEvent).where(
                OutboxEvent.event_type == EventType.FLOW_STARTED, OutboxEvent.flow_id == flow_id
            )
        )
    assert instance is not None
    # The initiator is the user the event names; the submitted values are the context data.
    assert instance.initiator_id == acme.users["developer"].id
    assert instance.context_data["field_2"] == 12000
    assert instance.context_data["raisedBy"] == "Big expenses to finance"
    assert started is not None and started.chain_depth == 1
    async with transaction(sessions, company_id=acme.company_id) as session:
        inbox, _ = await pending_tasks_for(session, company_id=acme.company_id, user_id=fiona)
    assert [(i.instance_id, i.level_order, i.source) for i in inbox] == [
        (instance_id, 1, "ASSIGNED")
    ]
    async with sessions() as session:
        effects = (await session.scalars(sa.select(ActionEffect.output))).all()
    assert effects == [{"flowInstanceId": instance_id}]


async def test_start_flow_of_a_flow_that_is_gone_fails_without_retrying(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        settings={"retries": 3},
        actions=[
            {
                "type": "start_flow",
                "config": {"flowId": "no-such-flow", "initiatorId": acme.users["cfo"].id},
            }
        ],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(5))
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert execution.actions_executed[0]["attempts"] == 1
    assert "Flow no-such-flow does not exist" in execution.error_message
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(FlowInstance)) == 0


async def test_create_record_then_update_record_through_its_row_event(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    writes = await add_trigger(
        sessions,
        acme.company_id,
        name="Expense to ledger",
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "create_record",
                "config": {
                    "tableId": table_id,
                    "data": {
                        "title": "{{ employee_name }}",
                        "amount": "{{ amount }}",
                        "category": "{{ category }}",
                    },
                    "userId": acme.users["cfo"].id,
                },
            }
        ],
    )
    approves = await add_trigger(
        sessions,
        acme.company_id,
        name="Approve small ledger rows",
        event_type=EventType.DATABASE_ROW_CREATED,
        table_id=table_id,
        conditions={"<": [{"var": "amount"}, 1000]},
        actions=[
            {
                "type": "update_record",
                "config": {"recordId": "{{ recordId }}", "data": {"approved": True}},
            }
        ],
    )
    for amount, name in ((640, "Ann"), (4200, "Bo")):
        await record(
            sessions,
            acme.company_id,
            EventType.TASK_COMPLETED,
            expense(amount, name),
            task_id=acme.tasks["expense"],
        )
    await pipeline.drain()

    rows = {r.data["title"]: r for r in await records_of(sessions, table_id)}
    assert rows["Ann"].data == {
        "title": "Ann",
        "amount": 640,
        "category": "Travel",
        "approved": True,
    }
    assert rows["Bo"].data == {"title": "Bo", "amount": 4200, "category": "Travel"}
    assert rows["Ann"].created_by == acme.users["cfo"].id
    assert {e.status for e in await executions(sessions, writes)} == {
        TriggerExecutionStatus.SUCCESS
    }
    updated = [e for e in await executions(sessions, approves) if e.conditions_met]
    assert [e.actions_executed[0]["output"] for e in updated] == [{"recordId": rows["Ann"].id}]
    async with sessions() as session:
        change = await session.scalar(
            sa.select(OutboxEvent).where(OutboxEvent.event_type == EventType.DATABASE_ROW_UPDATED)
        )
    assert change is not None and change.chain_depth == 2
    assert change.payload["changedFields"] == ["approved"]


async def test_a_record_the_table_refuses_fails_the_action_and_writes_nothing(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
) -> None:
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        settings={"retries": 2},
        actions=[
            {
                "type": "create_record",
                "config": {"tableId": table_id, "data": {"amount": "lots", "category": "Food"}},
            }
        ],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert execution.actions_executed[0]["attempts"] == 1  # bad data does not get better
    for field in ("title", "amount", "category"):
        assert f"{field}:" in execution.error_message
    assert await records_of(sessions, table_id) == []


async def test_triggers_feeding_each_other_through_a_table_stop_at_the_chain_depth_limit(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="erp.triggers")
    table_id = await add_table(sessions, acme.company_id, "echo", LEDGER)
    copy = {
        "type": "create_record",
        "config": {"tableId": table_id, "data": {"title": "echo", "amount": 1}},
    }
    await add_trigger(
        sessions, acme.company_id, name="first", task_id=acme.tasks["expense"], actions=[copy]
    )
    loop = await add_trigger(
        sessions,
        acme.company_id,
        name="echo",
        event_type=EventType.DATABASE_ROW_CREATED,
        table_id=table_id,
        settings={"maxChainDepth": 3},
        actions=[copy],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(1),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    # The first record is at depth 1; the loop copies it at depths 2 and 3, then is stopped.
    assert len(await records_of(sessions, table_id)) == 3
    runs = sorted(await executions(sessions, loop), key=lambda e: e.executed_at)
    assert [e.status for e in runs] == [
        TriggerExecutionStatus.SUCCESS,
        TriggerExecutionStatus.SUCCESS,
        TriggerExecutionStatus.FAILED,
    ]
    assert runs[-1].actions_executed == []
    assert "chain depth limit reached" in runs[-1].error_message
    # ... and says so in the log, with the ids to find it by.
    [line] = [r for r in caplog.records if getattr(r, "execution_id", None) == runs[-1].id]
    assert line.levelno == logging.WARNING and line.trigger_id == loop
    assert "chain depth limit reached" in line.getMessage()


async def test_send_email_renders_an_inline_subject_and_body(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, smtp: SmtpServer
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "send_email",
                "config": {
                    "to": "{{ approver }}",
                    "cc": ["audit@acme.com"],
                    "subject": "{{ category }} expense of {{ employee_name }}",
                    "body": "{{ employee_name }} spent {{ amount }} ({{ note }}).",
                    "variables": {"approver": "boss@acme.com", "note": "see {{ link_to_task }}"},
                },
            }
        ],
    )
    before = len(smtp.mailbox.messages)
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(310, "Ann", "Equipment"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [mail] = smtp.mailbox.messages[before:]
    assert (mail["To"], mail["Cc"]) == ("boss@acme.com", "audit@acme.com")
    assert mail["Subject"] == "Equipment expense of Ann"
    body = mail.get_payload(decode=True).decode()
    assert body.strip() == "Ann spent 310 (see https://erp.example/tasks/expense)."
    assert smtp.mailbox.recipients[-1] == ["boss@acme.com", "audit@acme.com"]


async def test_an_unreachable_smtp_server_fails_the_email_after_its_retries(
    sessions: Sessions, database_url: URL, acme: Tenant
) -> None:
    line = await make_pipeline(sessions, settings_for(database_url, free_port()))
    try:
        trigger_id = await add_trigger(
            sessions,
            acme.company_id,
            settings={"retries": 1, "retryBackoffSeconds": 0.1},
            actions=[
                {
                    "type": "send_email",
                    "config": {"to": "cfo@acme.com", "subject": "s", "body": "b"},
                }
            ],
        )
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
        await line.drain()
        [execution] = await eventually(lambda: executions(sessions, trigger_id), within=20)
    finally:
        await line.dispatcher.stop()
        await line.engine.http.aclose()
    assert execution.status is TriggerExecutionStatus.FAILED
    [sent] = execution.actions_executed
    assert (sent["status"], sent["attempts"]) == ("failed", 2)
    assert "SMTP 127.0.0.1" in sent["error"]


async def test_retries_back_off_exponentially_and_stop_at_the_action_maximum(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    receiver.statuses = [503] * 10
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        settings={"retries": 5, "retryBackoffSeconds": 0.3},
        actions=[
            # The action's own maximum (2 retries) overrides the trigger's 5.
            {"type": "http_request", "config": {"url": receiver.url + "/down"}, "retries": 2},
            {"type": "http_request", "config": {"url": receiver.url + "/never"}},
        ],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await eventually(lambda: executions(sessions, trigger_id), within=20)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert execution.execution_time >= 900  # from the claim to the end, the waits included
    first, second = execution.actions_executed
    assert (first["status"], first["attempts"]) == ("failed", 3)
    assert "answered 503" in first["error"]
    assert (second["status"], second["attempts"]) == ("skipped", 0)
    times = [r.at for r in receiver.requests]
    assert [r.path for r in receiver.requests] == ["/down"] * 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Doubling from 0.3 s: about 0.3 s, then about 0.6 s.
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6
    assert gaps[1] > gaps[0] * 1.5
