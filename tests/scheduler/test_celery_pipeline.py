"""The scaled pipeline with real processes: events committed to the outbox, the relay
publishing to Redis, a Celery worker process running the actions."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.models import CustomTableRecord, EventType, OutboxEvent, TriggerExecutionStatus
from core.models.automation import TriggerRun
from tests.world.automation import (
    HIGH_VALUE_ACTIONS,
    HIGH_VALUE_CONDITIONS,
    add_table,
    add_trigger,
    executions,
    expense,
    record,
    seeded_company,
)
from tests.world.processes import (
    SHARED_REDIS,
    RedisServer,
    background_env,
    celery_worker,
    relay,
    relay_settings,
)
from tests.world.services import HttpReceiver, SmtpServer, eventually
from tests.world.tenants import Sessions


async def test_high_value_expense_reaches_the_cfo_through_a_celery_worker(
    sessions: Sessions, database_url: URL, smtp: SmtpServer
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        name="High-Value Alert",
        task_id=acme.tasks["expense"],
        conditions=HIGH_VALUE_CONDITIONS,
        actions=HIGH_VALUE_ACTIONS,
    )
    env = background_env(database_url, SHARED_REDIS, ERP_SMTP_PORT=str(smtp.port))
    worker = celery_worker(env).start()
    before = len(smtp.mailbox.messages)
    try:
        async with relay(sessions, relay_settings(env)):
            for amount in (12000, 500):
                await record(
                    sessions,
                    acme.company_id,
                    EventType.TASK_COMPLETED,
                    expense(amount),
                    task_id=acme.tasks["expense"],
                )
            done = await eventually(lambda: _when_count(executions(sessions, trigger_id), 2))
    finally:
        worker.stop()
    assert sorted(e.conditions_met for e in done) == [False, True]
    assert all(e.status is TriggerExecutionStatus.SUCCESS for e in done)
    # The worker's log names each execution with its event and trigger, as key=value pairs.
    async with sessions() as session:
        runs = (await session.scalars(sa.select(TriggerRun).where(TriggerRun.conditions_met))).all()
    lines = worker.output().splitlines()
    assert len(runs) == 1
    for run in runs:
        assert any(
            f"event_id={run.event_id} " in line
            and f"trigger_id={trigger_id} " in line
            and f"execution_id={run.execution_id} " in line
            and "status=SUCCESS" in line
            for line in lines
        ), worker.output()[-3000:]
    [mail] = smtp.mailbox.messages[before:]
    assert mail["To"] == "cfo@acme.com"
    assert "Amount: $12000" in mail.get_payload(decode=True).decode()


async def test_a_worker_killed_mid_action_completes_the_execution_once(
    sessions: Sessions, database_url: URL, receiver: HttpReceiver
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[
            {"type": "http_request", "config": {"url": receiver.url + "/first"}},
            {"type": "http_request", "config": {"url": receiver.url + "/slow"}},
            {"type": "http_request", "config": {"url": receiver.url + "/last"}},
        ],
    )
    env = background_env(
        database_url,
        SHARED_REDIS,
        ERP_TRIGGER_LEASE_SECONDS="2",
        ERP_TRIGGER_STALE_SECONDS="1",
    )
    first = celery_worker(env).start()
    second = None
    try:
        async with relay(sessions, relay_settings(env)):
            receiver.hold.clear()  # requests now wait until released
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
            await eventually(lambda: _arrived(receiver, "/first"))
            receiver.hold.set()
            receiver.hold.clear()
            await eventually(lambda: _arrived(receiver, "/slow"))
            first.kill()  # in the middle of the second action
            receiver.hold.set()
            second = celery_worker(env).start()
            [execution] = await eventually(lambda: executions(sessions, trigger_id))
    finally:
        first.kill()
        if second is not None:
            second.stop()
    assert execution.status is TriggerExecutionStatus.SUCCESS
    assert [a["status"] for a in execution.actions_executed] == ["success"] * 3
    paths = [r.path for r in receiver.requests]
    # The finished first action is not repeated; the interrupted one runs again with the
    # same idempotency key, so its receiver can tell.
    assert paths.count("/first") == 1 and paths.count("/last") == 1
    assert paths.count("/slow") == 2
    slow = {r.headers["idempotency-key"] for r in receiver.requests if r.path == "/slow"}
    assert len(slow) == 1
    assert len(await executions(sessions, trigger_id)) == 1


async def test_a_worker_killed_after_its_record_committed_does_not_write_it_twice(
    sessions: Sessions, database_url: URL, receiver: HttpReceiver
) -> None:
    """The record is committed, the worker dies before the run's progress says so: the run
    resumed on another worker finds the record's effect and does not create it again."""
    acme = await seeded_company(sessions)
    table_id = await add_table(
        sessions,
        acme.company_id,
        "ledger",
        [{"id": "title", "type": "text", "label": "Title", "required": True}],
    )
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[
            {"type": "http_request", "config": {"url": receiver.url + "/gate"}},
            {
                "type": "create_record",
                "config": {"tableId": table_id, "data": {"title": "{{ field_1 }}"}},
            },
        ],
    )
    env = background_env(
        database_url,
        SHARED_REDIS,
        ERP_TRIGGER_LEASE_SECONDS="2",
        ERP_TRIGGER_STALE_SECONDS="1",
    )
    first = celery_worker(env).start()
    second = None
    try:
        async with relay(sessions, relay_settings(env)), sessions() as locker:
            receiver.hold.clear()
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1, "Ann"))
            await eventually(lambda: _arrived(receiver, "/gate"))
            # Recording the execution needs a key-share lock on the trigger's row (its
            # foreign key): held here, the worker blocks right after the record commits.
            await locker.execute(
                sa.text("SELECT id FROM triggers WHERE id = :id FOR UPDATE"), {"id": trigger_id}
            )
            receiver.hold.set()
            [written] = await eventually(lambda: _records(sessions, table_id))
            await asyncio.sleep(0.5)
            assert await executions(sessions, trigger_id) == []
            first.kill()
            await locker.rollback()
            second = celery_worker(env).start()
            [execution] = await eventually(lambda: executions(sessions, trigger_id))
    finally:
        first.kill()
        if second is not None:
            second.stop()
    assert execution.status is TriggerExecutionStatus.SUCCESS
    assert execution.actions_executed[1]["output"] == {"recordId": written.id}
    assert [r.id for r in await _records(sessions, table_id)] == [written.id]
    assert [r.path for r in receiver.requests] == ["/gate"]


async def test_events_produced_while_redis_is_down_are_processed_once_after_restart(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id)
    redis = RedisServer().start()
    env = background_env(database_url, redis.url)
    worker = celery_worker(env).start()
    try:
        async with relay(sessions, relay_settings(env)):
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(0))
            await eventually(lambda: _when_count(executions(sessions, trigger_id), 1))
            redis.kill()
            for amount in range(1, 21):
                await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(amount))
            await eventually(lambda: _pending(sessions, 20), within=10)
            redis.start()
            done = await eventually(
                lambda: _when_count(executions(sessions, trigger_id), 21), within=60
            )
    finally:
        worker.stop()
        redis.stop()
    amounts = sorted(e.event_data["data"]["field_2"] for e in done)
    assert amounts == list(range(21))
    assert await _pending(sessions, 0)


async def _records(sessions: Sessions, table_id: str) -> list[CustomTableRecord]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(CustomTableRecord).where(CustomTableRecord.table_id == table_id)
        )
        return list(rows.all())


async def _when_count(found, count: int):
    items = await found
    return items if len(items) >= count else None


async def _arrived(receiver: HttpReceiver, path: str) -> bool:
    return any(r.path == path for r in receiver.requests)


async def _pending(sessions: Sessions, expected: int) -> bool:
    async with sessions() as session:
        pending = await session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
        )
    return pending == expected
