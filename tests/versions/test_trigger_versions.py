"""Triggers fire as the version a company sees froze them: edits after publishing wait for
the next version, a client company runs them under its own trigger rows, and an entity
without versions keeps its live rows."""

from __future__ import annotations

import json

import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.models import (
    Company,
    CustomTable,
    CustomTableRecord,
    EntityInstall,
    EventType,
    Trigger,
    TriggerExecution,
    User,
    UserRole,
    VersionStatus,
)
from core.versions import change_status, publish_version, set_rollout
from tests.world.automation import add_trigger, expense, record, seeded_company
from tests.world.tenants import Sessions
from tests.world.versions import platform


def above(amount: int) -> dict:
    return {
        "operator": "AND",
        "rules": [{"field": "Amount", "operator": "greater_than", "value": amount}],
    }


async def runs(sessions: Sessions, company_id: str) -> list[tuple[str, bool]]:
    """(trigger name, conditions met) of the company's executions, by trigger name."""
    async with sessions() as session:
        rows = await session.execute(
            sa.select(Trigger.name, TriggerExecution.conditions_met)
            .join(Trigger, Trigger.id == TriggerExecution.trigger_id)
            .where(TriggerExecution.company_id == company_id)
            .order_by(Trigger.name, TriggerExecution.executed_at)
        )
        return [tuple(row) for row in rows]


async def fire(sessions, pipeline, company_id: str, task_id: str, amount: int) -> None:
    async with transaction(sessions) as session:
        await session.execute(sa.delete(TriggerExecution))
    await record(sessions, company_id, EventType.TASK_COMPLETED, expense(amount), task_id=task_id)
    await pipeline.drain()


async def test_triggers_fire_from_the_version_the_company_sees(sessions, pipeline) -> None:
    acme = await seeded_company(sessions)
    dev = Principal(user_id=acme.users["developer"].id, role=UserRole.DEVELOPER, company_id=None)
    big = await add_trigger(
        sessions,
        acme.company_id,
        name="big",
        task_id=acme.tasks["expense"],
        conditions=above(10000),
    )
    v1 = await platform(
        sessions,
        publish_version,
        principal=dev,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
    )
    await platform(
        sessions, change_status, principal=dev, version_id=v1.id, status=VersionStatus.STABLE
    )

    # Edited after publishing: the company keeps running 1.0.0's trigger.
    async with transaction(sessions) as session:
        (await session.get(Trigger, big)).conditions = above(100)
    await add_trigger(sessions, acme.company_id, name="new", task_id=acme.tasks["expense"])
    await fire(sessions, pipeline, acme.company_id, acme.tasks["expense"], 500)
    assert await runs(sessions, acme.company_id) == [("big", False)]

    # 1.1.0 carries the edits; published but not rolled out, so nothing changes yet.
    v2 = await platform(
        sessions,
        publish_version,
        principal=dev,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
    )
    await fire(sessions, pipeline, acme.company_id, acme.tasks["expense"], 500)
    assert await runs(sessions, acme.company_id) == [("big", False)]

    # A client company pinned to 1.1.0 runs its triggers under its own rows.
    async with transaction(sessions) as session:
        client = Company(name="Client")
        session.add(client)
        await session.flush()
        session.add(
            User(email="admin@client.test", password="x", role=UserRole.ADMIN, company_id=client.id)
        )
    await platform(
        sessions,
        set_rollout,
        principal=dev,
        version_id=v2.id,
        clients=[acme.company_id, client.id],
    )
    await fire(sessions, pipeline, acme.company_id, acme.tasks["expense"], 500)
    assert await runs(sessions, acme.company_id) == [("big", True), ("new", True)]

    async with sessions() as session:
        local_task = await session.scalar(
            sa.select(EntityInstall.local_id).where(
                EntityInstall.company_id == client.id, EntityInstall.entity_type == "Task"
            )
        )
        client_triggers = {
            t.name: t
            for t in await session.scalars(
                sa.select(Trigger).where(Trigger.company_id == client.id)
            )
        }
    assert local_task and local_task != acme.tasks["expense"]
    assert {t.task_id for t in client_triggers.values()} == {local_task}
    assert not any(t.is_active for t in client_triggers.values())  # headers: content is frozen
    await fire(sessions, pipeline, client.id, local_task, 50)
    assert await runs(sessions, client.id) == [("big", False), ("new", True)]
    async with sessions() as session:
        recorded = set(
            await session.scalars(
                sa.select(TriggerExecution.trigger_id).where(
                    TriggerExecution.company_id == client.id
                )
            )
        )
    assert recorded == {t.id for t in client_triggers.values()}


async def test_an_entity_without_versions_fires_its_live_triggers(sessions, pipeline) -> None:
    acme = await seeded_company(sessions)
    await add_trigger(
        sessions, acme.company_id, name="big", task_id=acme.tasks["expense"], conditions=above(100)
    )
    await fire(sessions, pipeline, acme.company_id, acme.tasks["expense"], 500)
    assert await runs(sessions, acme.company_id) == [("big", True)]


async def test_a_clients_trigger_writes_to_its_own_table_of_the_same_name(
    sessions, pipeline
) -> None:
    acme = await seeded_company(sessions)
    dev = Principal(user_id=acme.users["developer"].id, role=UserRole.DEVELOPER, company_id=None)
    schema = [{"id": "amount", "type": "number", "label": "Amount"}]

    async def log_table(company_id: str) -> str:
        async with transaction(sessions) as session:
            table = CustomTable(
                company_id=company_id, name="expense_log", display_name="Log", schema=schema
            )
            session.add(table)
            await session.flush()
            return table.id

    a_table = await log_table(acme.company_id)
    # The builder names its own table by id, as the trigger editor stores it.
    action = {"type": "create_record", "config": {"tableId": a_table, "data": {"amount": 1}}}
    await add_trigger(
        sessions, acme.company_id, name="log", task_id=acme.tasks["expense"], actions=[action]
    )
    version = await platform(
        sessions,
        publish_version,
        principal=dev,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
    )
    frozen = version.snapshot["triggers"][0]
    assert frozen["references"] == [
        {"action": 0, "setting": "tableId", "entity": "CustomTable", "name": "expense_log"}
    ]

    async with transaction(sessions) as session:
        client = Company(name="Client")
        session.add(client)
        await session.flush()
        session.add(
            User(email="admin@client.test", password="x", role=UserRole.ADMIN, company_id=client.id)
        )
    b_table = await log_table(client.id)
    await platform(sessions, set_rollout, principal=dev, version_id=version.id, clients=[client.id])
    async with sessions() as session:
        local_task = await session.scalar(
            sa.select(EntityInstall.local_id).where(
                EntityInstall.company_id == client.id, EntityInstall.entity_type == "Task"
            )
        )
    await fire(sessions, pipeline, client.id, local_task, 50)

    async with sessions() as session:
        written = list(
            await session.execute(
                sa.select(CustomTableRecord.table_id, CustomTableRecord.company_id)
            )
        )
        execution = await session.scalar(
            sa.select(TriggerExecution).where(TriggerExecution.company_id == client.id)
        )
    assert written == [(b_table, client.id)]
    assert execution is not None and execution.status.value == "SUCCESS"
    assert a_table not in json.dumps(execution.actions_executed)

    # A client without such a table: the action fails naming the table, not A's id.
    async with transaction(sessions) as session:
        await session.execute(sa.delete(CustomTableRecord))
        await session.execute(sa.delete(CustomTable).where(CustomTable.id == b_table))
    await fire(sessions, pipeline, client.id, local_task, 50)
    async with sessions() as session:
        execution = await session.scalar(
            sa.select(TriggerExecution).where(TriggerExecution.company_id == client.id)
        )
    assert execution is not None and execution.status.value == "FAILED"
    failure = json.dumps(execution.actions_executed)
    assert "expense_log" in failure and a_table not in failure
