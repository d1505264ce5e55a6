"""The scheduler daemon with real processes: two daemons at once, killed and restarted, fire
every slot of a schedule exactly once; a daemon follows trigger changes without a restart;
slots missed while no daemon ran are claimed as the trigger's misfire policy says."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.database import transaction
from core.models import EventType, OutboxEvent, Trigger, as_utc, utcnow
from core.models.automation import ScheduleSlot
from core.scheduling.claims import fire_due_slots
from core.settings import load_settings
from scheduler.daemon import SchedulerDaemon
from tests.world.automation import add_trigger, seeded_company
from tests.world.databases import worker_id
from tests.world.processes import SHARED_REDIS, VENV_BIN, Process, background_env
from tests.world.services import eventually
from tests.world.tenants import Sessions

EVERY_SECOND = {"interval": {"seconds": 1}, "misfirePolicy": "run_all", "misfireCap": 100}


def daemon(env: dict[str, str]) -> Process:
    return Process([str(VENV_BIN / "erp"), "scheduler", "--no-relay"], env, ready="started")


async def slots_of(sessions: Sessions, trigger_id: str) -> list[ScheduleSlot]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(ScheduleSlot)
            .where(ScheduleSlot.trigger_id == trigger_id)
            .order_by(ScheduleSlot.fire_at)
        )
        return list(rows.all())


async def at_least(sessions: Sessions, trigger_id: str, count: int) -> list[ScheduleSlot]:
    async def check() -> list[ScheduleSlot] | None:
        found = await slots_of(sessions, trigger_id)
        return found if len(found) >= count else None

    return await eventually(check, within=40)


async def test_two_daemons_killed_and_restarted_fire_every_slot_exactly_once(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(
        sessions, acme.company_id, event_type=EventType.SCHEDULED, event_config=EVERY_SECOND
    )
    env = background_env(database_url, SHARED_REDIS, ERP_SCHEDULER_SYNC_SECONDS="0.5")
    first, second = daemon(env).start(), daemon(env).start()
    try:
        seen = len(await at_least(sessions, trigger_id, 3))
        first.kill()
        seen = len(await at_least(sessions, trigger_id, seen + 2))
        second.kill()  # no daemon at all for a while
        await asyncio.sleep(2.5)
        first.start()
        await at_least(sessions, trigger_id, seen + 5)
    finally:
        first.stop()
        second.stop()
    slots = await slots_of(sessions, trigger_id)
    times = [s.fire_at for s in slots]
    gaps = {b - a for a, b in itertools.pairwise(times)}
    assert gaps == {timedelta(seconds=1)}  # no slot lost, none twice
    async with sessions() as session:
        events = (
            await session.scalars(
                sa.select(OutboxEvent).where(
                    OutboxEvent.trigger_id == trigger_id,
                    OutboxEvent.event_type == EventType.SCHEDULED,
                )
            )
        ).all()
    assert sorted(e.id for e in events) == sorted(s.event_id for s in slots)
    fired_for = sorted(e.payload["scheduledFor"] for e in events)
    assert fired_for == [t.isoformat() for t in times]


async def test_the_daemon_follows_trigger_changes_without_a_restart(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    settings = load_settings(
        {
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "ERP_SECRET_KEY": "x" * 40,
            "ERP_SCHEDULER_SYNC_SECONDS": "0.2",
        }
    )
    running = SchedulerDaemon(sessions, settings.automation, name=f"test-{worker_id()}")
    running.start()
    try:
        trigger_id = await add_trigger(
            sessions,
            acme.company_id,
            event_type=EventType.SCHEDULED,
            event_config={"interval": {"seconds": 1}},
        )
        await at_least(sessions, trigger_id, 2)  # created: it fires

        async with transaction(sessions) as session:
            trigger = await session.get(Trigger, trigger_id)
            assert trigger is not None
            trigger.event_config = {"interval": {"seconds": 2}}
        edited_at = utcnow()
        await eventually(lambda: _job_seconds(running, trigger_id, 2))
        count = len(await slots_of(sessions, trigger_id))
        after_edit = await at_least(sessions, trigger_id, count + 2)
        new_times = [s.fire_at for s in after_edit if s.fire_at > edited_at]
        assert {b - a for a, b in itertools.pairwise(new_times)} == {timedelta(seconds=2)}

        async with transaction(sessions) as session:
            trigger = await session.get(Trigger, trigger_id)
            assert trigger is not None
            trigger.is_active = False
        await eventually(lambda: _unscheduled(running, trigger_id))
        deactivated_at = utcnow()
        await asyncio.sleep(2.5)
        assert all(s.fire_at <= deactivated_at for s in await slots_of(sessions, trigger_id))

        async with transaction(sessions) as session:
            trigger = await session.get(Trigger, trigger_id)
            assert trigger is not None
            trigger.is_active = True
        await eventually(lambda: _job_seconds(running, trigger_id, 2))
        async with transaction(sessions) as session:
            await session.execute(sa.delete(Trigger).where(Trigger.id == trigger_id))
        await eventually(lambda: _unscheduled(running, trigger_id))
    finally:
        running.stop()


@pytest.mark.parametrize(
    ("policy", "fired_hours"),
    [("skip", [5]), ("run_once", [4, 5]), ("run_all", [3, 4, 5])],
)
async def test_slots_missed_while_no_daemon_ran_follow_the_misfire_policy(
    sessions: Sessions, policy: str, fired_hours: list[int]
) -> None:
    acme = await seeded_company(sessions)
    config = {
        "interval": {"hours": 1},
        "misfirePolicy": policy,
        "misfireCap": 2,
        "misfireGraceSeconds": 60,
    }
    trigger_id = await add_trigger(
        sessions, acme.company_id, event_type=EventType.SCHEDULED, event_config=config
    )
    async with sessions() as session:
        trigger = await session.get(Trigger, trigger_id)
        assert trigger is not None
        created = as_utc(trigger.created_at)  # the interval's anchor

    def hour(n: int, seconds: int = 0) -> datetime:
        return created + timedelta(hours=n, seconds=seconds)

    assert hour(1) in await fire_due_slots(sessions, trigger_id, claimed_by="a", now=hour(1, 5))
    # No daemon from then until just after hour 5: hours 2, 3 and 4 were missed.
    fired = await fire_due_slots(sessions, trigger_id, claimed_by="a", now=hour(5, 5))
    assert fired == [hour(n) for n in fired_hours]
    assert await fire_due_slots(sessions, trigger_id, claimed_by="b", now=hour(5, 5)) == []
    async with sessions() as session:
        events = (
            await session.scalars(
                sa.select(OutboxEvent).where(OutboxEvent.trigger_id == trigger_id)
            )
        ).all()
    late = {e.payload["scheduledFor"]: e.payload["late"] for e in events}
    assert {hour(n).isoformat(): late[hour(n).isoformat()] for n in fired_hours} == {
        hour(n).isoformat(): n < 5 for n in fired_hours
    }


async def _job_seconds(running: SchedulerDaemon, trigger_id: str, seconds: int) -> bool:
    job = running.scheduler.get_job(trigger_id)
    return job is not None and job.trigger.interval == timedelta(seconds=seconds)


async def _unscheduled(running: SchedulerDaemon, trigger_id: str) -> bool:
    return running.scheduler.get_job(trigger_id) is None
