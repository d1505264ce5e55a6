"""The outbox does not grow without end: the scheduler daemon forgets events dispatched more
than ERP_OUTBOX_RETENTION_DAYS ago whose trigger runs have finished, and nothing else."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.errors import NotFound
from core.models import ActionEffect, EventType, OutboxEvent, TriggerExecutionStatus
from core.models.automation import TriggerRun
from core.triggers import retry_execution
from scheduler.daemon import SchedulerDaemon
from tests.world.automation import Pipeline, add_trigger, executions, expense, record
from tests.world.services import HttpReceiver
from tests.world.tenants import Sessions, Tenant

AGED = "now() - interval '31 days'"


async def test_finished_events_past_the_retention_are_forgotten_and_nothing_else(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    automation = pipeline.engine.settings.automation
    assert automation.outbox_retention_days == 30
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[{"type": "http_request", "config": {"url": receiver.url + "/x"}}],
    )
    receiver.statuses = [500, 500]
    finished = await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    unmatched = await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, {})
    still_running = await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(2))
    await pipeline.drain()
    async with sessions() as session:
        failed_id = await session.scalar(
            sa.select(TriggerRun.execution_id).where(TriggerRun.event_id == finished)
        )
    [failed] = [e for e in await executions(sessions, trigger_id) if e.id == failed_id]
    assert failed.status is TriggerExecutionStatus.FAILED
    recent = await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, {})
    await pipeline.drain()
    never_sent = await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, {})
    async with transaction(sessions) as session:
        # A month on: three events were dispatched long ago (one of them with a run that is
        # somehow still open), one was never dispatched, one is recent.
        await session.execute(
            sa.text(
                f"UPDATE event_outbox SET created_at = {AGED}, dispatched_at = {AGED}, "
                f"admitted_at = {AGED} "
                "WHERE id IN (:a, :b, :c)"
            ),
            {"a": finished, "b": unmatched, "c": still_running},
        )
        await session.execute(
            sa.text(f"UPDATE event_outbox SET created_at = {AGED} WHERE id = :n"),
            {"n": never_sent},
        )
        await session.execute(
            sa.update(TriggerRun)
            .where(TriggerRun.event_id == still_running)
            .values(status="pending")
        )
        for key, age in (("old-effect", AGED), ("new-effect", "now()")):
            await session.execute(
                sa.text(
                    "INSERT INTO trigger_action_effects (idempotency_key, output, created_at, "
                    f"company_id) VALUES (:k, '{{}}', {age}, :c)"
                ),
                {"k": key, "c": acme.company_id},
            )

    assert await SchedulerDaemon(sessions, automation).prune_outbox() == 2

    async with sessions() as session:
        kept = set(await session.scalars(sa.select(OutboxEvent.id)))
        runs = set(await session.scalars(sa.select(TriggerRun.event_id)))
        effects = set(await session.scalars(sa.select(ActionEffect.idempotency_key)))
    assert kept == {still_running, recent, never_sent}
    assert runs == {still_running}
    assert "old-effect" not in effects and "new-effect" in effects
    # The history stays; a retry of the forgotten event's execution says why it cannot run.
    assert {e.id for e in await executions(sessions, trigger_id)} >= {failed.id}
    async with transaction(sessions) as session:
        try:
            await retry_execution(
                session, company_id=acme.company_id, execution_id=failed.id, automation=automation
            )
        except NotFound as exc:
            assert "no longer kept" in str(exc)
        else:
            raise AssertionError("a retry of a forgotten event ran")
    # Nothing more is due.
    assert await SchedulerDaemon(sessions, automation).prune_outbox() == 0
