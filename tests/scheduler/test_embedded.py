"""Embedded mode: on a SQLite file with no Redis, the API process's background side (relay,
trigger engine, scheduler daemon) is a working automation platform."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.engine import make_url

from core.database import create_engine, session_factory
from core.migrate import upgrade
from core.models import EventType, TriggerExecutionStatus
from core.plugins.manager import get_plugins
from core.settings import load_settings
from core.tenancy import install_tenant_scoping
from tests.triggers.factories import (
    HttpReceiver,
    add_trigger,
    eventually,
    executions,
    expense,
    record,
    seed_acme,
)


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
            on_completion = await add_trigger(
                sessions,
                acme.company_id,
                actions=[{"type": "http_request", "config": {"url": receiver.url + "/done"}}],
            )
            scheduled = await add_trigger(
                sessions,
                acme.company_id,
                event_type=EventType.SCHEDULED,
                event_config={"interval": {"seconds": 1}},
            )
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(5))

            [done] = await eventually(lambda: executions(sessions, on_completion))
            assert done.status is TriggerExecutionStatus.SUCCESS
            assert [r.path for r in receiver.requests] == ["/done"]
            ticks = await eventually(lambda: _at_least(executions(sessions, scheduled), 2))
            assert all(t.event_data["triggerId"] == scheduled for t in ticks)
    finally:
        await background.stop()
        await engine.dispose()


async def _at_least(found, count: int):
    items = await found
    return items if len(items) >= count else None
