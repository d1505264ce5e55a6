"""The scheduler daemon's rollout watchdog pauses a version whose triggers fail in the client
companies that see it (their executions run under their own trigger rows)."""

from __future__ import annotations

import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.models import (
    Company,
    EntityInstall,
    EventType,
    TriggerExecution,
    TriggerExecutionStatus,
    User,
    UserRole,
    VersionPause,
)
from core.releases import resolve_version
from core.settings import AutomationSettings
from core.versions import publish_version, set_rollout
from scheduler.daemon import SchedulerDaemon
from tests.world.automation import add_trigger, expense, record, seeded_company
from tests.world.services import eventually
from tests.world.versions import platform


async def test_the_scheduler_pauses_a_version_failing_in_its_client_companies(
    sessions, pipeline
) -> None:
    acme = await seeded_company(sessions)
    dev = Principal(user_id=acme.users["developer"].id, role=UserRole.DEVELOPER, company_id=None)
    await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[{"type": "no_such_action"}],
    )
    version = await platform(
        sessions,
        publish_version,
        principal=dev,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
    )
    async with transaction(sessions) as session:
        client = Company(name="Client")
        session.add(client)
        await session.flush()
        session.add(
            User(email="a@client.test", password="x", role=UserRole.ADMIN, company_id=client.id)
        )
    await platform(sessions, set_rollout, principal=dev, version_id=version.id, clients=[client.id])
    async with sessions() as session:
        local_task = await session.scalar(
            sa.select(EntityInstall.local_id).where(
                EntityInstall.company_id == client.id, EntityInstall.entity_type == "Task"
            )
        )
    for amount in (10, 20, 30, 40):
        await record(
            sessions, client.id, EventType.TASK_COMPLETED, expense(amount), task_id=local_task
        )
    await pipeline.drain()
    async with sessions() as session:
        statuses = list(
            await session.scalars(
                sa.select(TriggerExecution.status).where(TriggerExecution.company_id == client.id)
            )
        )
    assert statuses == [TriggerExecutionStatus.FAILED] * 4

    daemon = SchedulerDaemon(
        sessions,
        AutomationSettings(
            scheduler_sync_seconds=3600,
            rollout_watchdog_seconds=0.1,
            rollout_pause_min_executions=4,
            rollout_pause_failure_rate=0.5,
        ),
    )
    daemon.start()
    try:

        async def paused() -> VersionPause | None:
            async with sessions() as session:
                return await session.get(VersionPause, version.id)

        pause = await eventually(paused)
    finally:
        daemon.stop()
    assert (pause.executions, pause.failure_rate, pause.paused_by) == (4, 1.0, None)
    seen = await platform(
        sessions,
        resolve_version,
        entity_type="Task",
        entity_id=local_task,
        company_id=client.id,
    )
    assert seen is None


async def test_failures_in_a_company_that_does_not_see_the_version_do_not_count(
    sessions, pipeline
) -> None:
    acme = await seeded_company(sessions)
    dev = Principal(user_id=acme.users["developer"].id, role=UserRole.DEVELOPER, company_id=None)
    await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[{"type": "no_such_action"}],
    )
    version = await platform(
        sessions,
        publish_version,
        principal=dev,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
    )
    async with transaction(sessions) as session:
        client = Company(name="Client")
        session.add(client)
    # Pinned to a client only: the building company sees no version and runs its live rows.
    await platform(sessions, set_rollout, principal=dev, version_id=version.id, clients=[client.id])
    for amount in (10, 20, 30):
        await record(
            sessions,
            acme.company_id,
            EventType.TASK_COMPLETED,
            expense(amount),
            task_id=acme.tasks["expense"],
        )
    await pipeline.drain()
    async with sessions() as session:
        failed = await session.scalar(
            sa.select(sa.func.count()).where(
                TriggerExecution.status == TriggerExecutionStatus.FAILED
            )
        )
    assert failed == 3
    daemon = SchedulerDaemon(sessions, AutomationSettings(rollout_pause_min_executions=1))
    assert await daemon.pause_failing_versions() == []
