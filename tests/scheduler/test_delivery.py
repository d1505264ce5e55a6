"""End-to-end delivery in scaled mode with real processes: an accepted event runs however the
broker loses its message. The outbox answers for an event until a worker has admitted it;
what the relay sent but no worker admitted within ERP_RELAY_REDELIVER_SECONDS (2 s here) is
sent again, and a dead worker's runs are free again after their lease (3 s here)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import sqlalchemy as sa
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.engine import URL

from api.app import create_app
from core.database import transaction
from core.events import record_event
from core.models import EventType, OutboxEvent, TriggerExecutionStatus
from core.models.automation import ScheduleSlot, TriggerRun
from tests.world.automation import add_trigger, executions, expense, seeded_company
from tests.world.processes import (
    VENV_BIN,
    Process,
    RedisServer,
    background_env,
    celery_worker,
    erp_relay,
    post_delivery,
    relay,
    relay_settings,
    webhook_endpoint,
)
from tests.world.services import HttpReceiver, eventually
from tests.world.tenants import Sessions

SHORT_BOUNDS = {
    "ERP_RELAY_REDELIVER_SECONDS": "2",
    "ERP_TRIGGER_LEASE_SECONDS": "3",
    "ERP_TRIGGER_STALE_SECONDS": "1",
}


def env_for(database_url: URL, redis: RedisServer, **extra: str) -> dict[str, str]:
    return background_env(database_url, redis.url, **SHORT_BOUNDS, **extra)


async def record_many(sessions: Sessions, company_id: str, amounts: range) -> list[str]:
    """Commit the events in one transaction: the relay sends them in few, full messages."""
    async with transaction(sessions) as session:
        return [
            record_event(session, EventType.TASK_COMPLETED, company_id=company_id, payload=p)
            for p in (expense(a) for a in amounts)
        ]


async def runs_per_event(sessions: Sessions, trigger_id: str) -> Counter[str]:
    """How many executions each event got from the trigger."""
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(TriggerRun.event_id).where(
                TriggerRun.trigger_id == trigger_id, TriggerRun.execution_id.is_not(None)
            )
        )
        return Counter(rows.all())


async def all_executed(sessions: Sessions, trigger_id: str, count: int) -> bool:
    return len(await executions(sessions, trigger_id)) >= count


async def dispatched(sessions: Sessions, count: int) -> bool:
    async with sessions() as session:
        sent = await session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_not(None))
        )
    return sent == count


async def unadmitted(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.admitted_at.is_(None))
            )
            or 0
        )


def hooked_trigger(receiver: HttpReceiver) -> dict[str, Any]:
    """A trigger whose one action calls the receiver, naming the event in the body."""
    config = {"url": receiver.url + "/hook", "body": {"event": "{{ event.id }}"}}
    return {"actions": [{"type": "http_request", "config": config}]}


def repeated_calls_keep_their_key(receiver: HttpReceiver) -> bool:
    """Every HTTP call made more than once for an event carried the same idempotency key."""
    keys: dict[str, set[str]] = {}
    for request in receiver.requests:
        keys.setdefault(request.body["event"], set()).add(request.headers["idempotency-key"])
    return all(len(k) == 1 for k in keys.values())


async def test_events_the_relay_dispatched_before_redis_restarted_empty_all_run(
    sessions: Sessions, database_url: URL
) -> None:
    """The issue's reproduction: no worker; 100 deliveries accepted; the relay dispatched
    them; Redis restarted without persistence; a worker started: every event runs once."""
    acme = await seeded_company(sessions)
    redis = RedisServer().start()
    env = env_for(database_url, redis)
    settings = relay_settings(env)
    worker = None
    try:
        async with relay(sessions, settings), AsyncTestClient(app=create_app(settings)) as client:
            # Made once the app has set up the keys that seal the endpoint's secret.
            trigger_id, path, secret = await webhook_endpoint(sessions, acme.company_id)
            for n in range(100):
                await post_delivery(client, path, secret, f"msg-{n}")
            await eventually(lambda: dispatched(sessions, 100))
            redis.kill()
            redis.start()
            worker = celery_worker(env).start()
            await eventually(lambda: all_executed(sessions, trigger_id, 100), within=60)
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 100 and set(per_event.values()) == {1}
    assert all(e.status is TriggerExecutionStatus.SUCCESS for e in await executions(sessions))
    assert await unadmitted(sessions) == 0


async def test_events_still_queued_in_the_broker_are_not_sent_again_while_they_wait(
    sessions: Sessions, database_url: URL
) -> None:
    """A backlog is not a loss: with no worker, 300 events wait in Redis far past the
    redelivery bound, and the relay leaves them there (resending would only lengthen the
    queue it is waiting on). Once Redis has lost them, they are sent again, and run once."""
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id)
    redis = RedisServer().start()
    env = env_for(database_url, redis)
    queue = env["ERP_CELERY_QUEUE"]
    broker = Redis.from_url(redis.url)
    worker = None
    try:
        async with relay(sessions, relay_settings(env)):
            await record_many(sessions, acme.company_id, range(300))
            await eventually(lambda: dispatched(sessions, 300))
            first_sent = await _dispatch_times(sessions)
            messages = await broker.llen(queue)
            assert messages == 3
            # Three redelivery bounds, so several sweeps: none resends a queued event.
            await asyncio.sleep(3 * float(SHORT_BOUNDS["ERP_RELAY_REDELIVER_SECONDS"]))
            assert await broker.llen(queue) == messages
            assert await _dispatch_times(sessions) == first_sent
            redis.kill()
            redis.start()
            await broker.aclose()
            broker = Redis.from_url(redis.url)  # the old connection died with the server
            await eventually(lambda: _queued_once_up(broker, queue), within=30)
            worker = celery_worker(env).start()
            await eventually(lambda: all_executed(sessions, trigger_id, 300), within=60)
    finally:
        await broker.aclose()
        if worker is not None:
            worker.stop()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 300 and set(per_event.values()) == {1}
    assert await unadmitted(sessions) == 0


async def _queued_once_up(broker: Redis, queue: str) -> bool:
    """Messages are queued; False while the server is still starting."""
    try:
        return await _queued(broker, queue)
    except RedisConnectionError:
        return False


async def _dispatch_times(sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        rows = await session.execute(sa.select(OutboxEvent.id, OutboxEvent.dispatched_at))
        return {event_id: sent for event_id, sent in rows.all()}


async def test_a_worker_killed_with_a_backlog_strands_nothing(
    sessions: Sessions, database_url: URL, receiver: HttpReceiver
) -> None:
    """300 events wait in Redis as three messages; the worker takes the first and is
    SIGKILLed in the middle of admitting it (Redis keeps the message unacknowledged, for
    the visibility timeout). The next worker runs every event, each once."""
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id, **hooked_trigger(receiver))
    redis = RedisServer().start()
    env = env_for(database_url, redis)
    first = second = None
    try:
        async with relay(sessions, relay_settings(env)):
            await record_many(sessions, acme.company_id, range(300))
            await eventually(lambda: dispatched(sessions, 300))
            async with sessions() as locker:
                # A SHARE lock holds the UPDATE that marks events admitted: the worker
                # waits inside its admission transaction until it is killed.
                await locker.execute(sa.text("LOCK TABLE event_outbox IN SHARE MODE"))
                first = celery_worker(env).start()
                await eventually(lambda: _admission_waiting(sessions))
                first.kill()
                await locker.rollback()
            assert await unadmitted(sessions) == 300
            second = celery_worker(env).start()
            await eventually(lambda: all_executed(sessions, trigger_id, 300), within=90)
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.kill()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 300 and set(per_event.values()) == {1}
    assert len(receiver.requests) == 300
    assert await unadmitted(sessions) == 0


async def test_a_worker_killed_mid_actions_leaves_its_runs_to_the_next_within_a_lease(
    sessions: Sessions, database_url: URL, receiver: HttpReceiver
) -> None:
    """The worker is SIGKILLed while it runs a message's events (their HTTP calls held
    open), more waiting in Redis: the next worker takes the rest, and the killed worker's
    runs once their lease runs out; each event runs once, and a call made again carries the
    idempotency key of the first."""
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id, **hooked_trigger(receiver))
    redis = RedisServer().start()
    env = env_for(database_url, redis)
    first = celery_worker(env).start()
    second = None
    try:
        async with relay(sessions, relay_settings(env)):
            receiver.hold.clear()
            await record_many(sessions, acme.company_id, range(200))
            await eventually(lambda: _requests(receiver, 1))
            first.kill()
            receiver.hold.set()
            second = celery_worker(env).start()
            await eventually(lambda: all_executed(sessions, trigger_id, 200), within=90)
    finally:
        receiver.hold.set()
        first.kill()
        if second is not None:
            second.stop()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 200 and set(per_event.values()) == {1}
    assert len(receiver.requests) > 200  # the calls in flight at the kill were made again
    assert repeated_calls_keep_their_key(receiver)


async def test_redis_restarted_empty_with_events_and_slots_in_flight_loses_none(
    sessions: Sessions, database_url: URL, receiver: HttpReceiver
) -> None:
    """Events are in Redis and in the worker when Redis stops; more (and scheduled slots of
    a 1-second schedule) arrive while it is down; it comes back empty. Every event and every
    claimed slot runs, once."""
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id, **hooked_trigger(receiver))
    every_second = await add_trigger(
        sessions,
        acme.company_id,
        name="every second",
        event_type=EventType.SCHEDULED,
        event_config={"interval": {"seconds": 1}},
    )
    redis = RedisServer().start()
    env = env_for(database_url, redis, ERP_SCHEDULER_SYNC_SECONDS="1")
    worker = celery_worker(env).start()
    scheduler = Process(
        [str(VENV_BIN / "erp"), "scheduler", "--no-relay"], env, ready="scheduler "
    ).start()
    try:
        async with relay(sessions, relay_settings(env)):
            receiver.hold.clear()
            await record_many(sessions, acme.company_id, range(100))
            await eventually(lambda: _requests(receiver, 1))
            await record_many(sessions, acme.company_id, range(100, 200))
            await eventually(lambda: dispatched_at_least(sessions, 200))
            redis.kill()
            receiver.hold.set()
            await record_many(sessions, acme.company_id, range(200, 250))
            await asyncio.sleep(2)  # slots come due while Redis is away
            redis.start()
            await asyncio.sleep(2)
            scheduler.stop()
            await eventually(lambda: all_executed(sessions, trigger_id, 250), within=90)
            slots = await _slot_events(sessions, every_second)
            await eventually(lambda: _all_ran(sessions, every_second, slots), within=60)
    finally:
        receiver.hold.set()
        scheduler.kill()
        worker.stop()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 250 and set(per_event.values()) == {1}
    assert len(slots) >= 4
    assert set((await runs_per_event(sessions, every_second)).values()) == {1}
    assert repeated_calls_keep_their_key(receiver)
    assert await unadmitted(sessions) == 0


async def test_a_relay_killed_between_sending_and_marking_leaves_the_events_to_the_next(
    sessions: Sessions, database_url: URL
) -> None:
    """`erp relay` has published the batch and is killed before its transaction marks the
    events dispatched: they are still pending, the next relay sends them again, and the two
    messages make one execution per event."""
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id)
    redis = RedisServer().start()
    env = env_for(database_url, redis)
    queue = env["ERP_CELERY_QUEUE"]
    await record_many(sessions, acme.company_id, range(20))
    broker = Redis.from_url(redis.url)
    worker = None
    try:
        async with sessions() as locker:
            # A SHARE lock lets the relay take its rows (FOR UPDATE) and publish, but holds
            # the UPDATE that marks them dispatched.
            await locker.execute(sa.text("LOCK TABLE event_outbox IN SHARE MODE"))
            first = erp_relay(env).start()
            try:
                await eventually(lambda: _queued(broker, queue))
            finally:
                first.kill()
            await locker.rollback()
        assert await dispatched(sessions, 0)
        worker = celery_worker(env).start()
        async with relay(sessions, relay_settings(env)):
            await eventually(lambda: all_executed(sessions, trigger_id, 20), within=60)
            await eventually(lambda: dispatched(sessions, 20))
    finally:
        await broker.aclose()
        if worker is not None:
            worker.stop()
        redis.stop()
    per_event = await runs_per_event(sessions, trigger_id)
    assert len(per_event) == 20 and set(per_event.values()) == {1}
    assert await unadmitted(sessions) == 0


async def _requests(receiver: HttpReceiver, count: int) -> bool:
    return len(receiver.requests) >= count


async def dispatched_at_least(sessions: Sessions, count: int) -> bool:
    async with sessions() as session:
        sent = await session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEvent)
            .where(
                OutboxEvent.dispatched_at.is_not(None),
                OutboxEvent.event_type == EventType.TASK_COMPLETED,
            )
        )
    return (sent or 0) >= count


async def _admission_waiting(sessions: Sessions) -> bool:
    """A worker's admission is waiting for the lock on the outbox."""
    async with sessions() as session:
        waiting = await session.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE event_outbox SET admitted_at%'"
            )
        )
    return bool(waiting)


async def _queued(broker: Redis, queue: str) -> bool:
    return bool(await broker.llen(queue))


async def _slot_events(sessions: Sessions, trigger_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(ScheduleSlot.event_id).where(ScheduleSlot.trigger_id == trigger_id)
        )
        return list(rows.all())


async def _all_ran(sessions: Sessions, trigger_id: str, events: list[str]) -> bool:
    return set(await runs_per_event(sessions, trigger_id)) >= set(events)
