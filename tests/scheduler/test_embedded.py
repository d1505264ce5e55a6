"""Embedded mode: on a SQLite file with no Redis, the API process's background side (relay,
trigger engine, scheduler daemon) is a working automation platform, the actions that write
to its database included."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.database import create_engine, session_factory
from core.migrate import upgrade
from core.models import ActionEffect, EventType, FlowInstance, TriggerExecutionStatus
from core.plugins.manager import get_plugins
from core.settings import load_settings
from core.tenancy import install_tenant_scoping
from tests.triggers.factories import (
    HttpReceiver,
    add_table,
    add_trigger,
    eventually,
    executions,
    expense,
    record,
    seed_acme,
)
from tests.triggers.test_actions import LEDGER, finance_flow


async def test_embedded_mode_runs_triggers_and_schedules_without_redis(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'erp.db'}"
    await asyncio.to_thread(upgrade, make_url(url))  # Alembic runs its own event loop
    settings = load_settings(
        {"DATABASE_URL": url, "ERP_HTTP_ALLOW_PRIVATE": "true", "ERP_SCHEDULER_SYNC_SECONDS": "0.2"}
    )
    assert settings.embedded and settings.redis_url is None
    install_tenant_scoping()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    background = await get_plugins().start_services(settings, sessions)
    try:
        with HttpReceiver() as receiver:
            acme = await seed_acme(sessions)
            table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
            flow_id, approver = await finance_flow(sessions, acme)
            on_completion = await add_trigger(
                sessions,
                acme.company_id,
                actions=[
                    {"type": "http_request", "config": {"url": receiver.url + "/done"}},
                    {
                        "type": "create_record",
                        "config": {"tableId": table_id, "data": {"title": "x", "amount": 5}},
                    },
                    {
                        "type": "start_flow",
                        "config": {"flowId": flow_id, "initiatorId": acme.cfo_id, "passData": True},
                    },
                    {"type": "notify", "config": {"title": "Done", "userIds": [approver]}},
                ],
            )
            scheduled = await add_trigger(
                sessions,
                acme.company_id,
                event_type=EventType.SCHEDULED,
                event_config={"interval": {"seconds": 1}},
            )
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(5))

            [done] = await eventually(lambda: executions(sessions, on_completion))
            assert done.status is TriggerExecutionStatus.SUCCESS, done.error_message
            assert [r.path for r in receiver.requests] == ["/done"]
            # The actions that write to the database, on SQLite, each done once.
            async with sessions() as session:
                effects = sorted(
                    (await session.scalars(sa.select(ActionEffect.idempotency_key))).all()
                )
                instance = await session.get(
                    FlowInstance, done.actions_executed[2]["output"]["flowInstanceId"]
                )
            assert [key.rsplit(".", 1)[1] for key in effects] == ["1", "2", "3"]
            assert instance is not None and instance.context_data["field_2"] == 5
            assert done.actions_executed[3]["output"] == {"notified": [approver]}
            ticks = await eventually(lambda: _at_least(executions(sessions, scheduled), 2))
            assert all(t.event_data["triggerId"] == scheduled for t in ticks)
    finally:
        await background.stop()
        await engine.dispose()


async def _at_least(found, count: int):
    items = await found
    return items if len(items) >= count else None
