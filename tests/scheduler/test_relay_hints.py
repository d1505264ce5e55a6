"""Relay wake-up hints: a commit that wrote outbox events wakes the relay at once (over Redis
for a separate `erp relay`, directly for the in-process one), hints are coalesced, and a
lost hint only means the poll delivers. The relays here poll every 30 s unless a test says
otherwise, so an execution within seconds was carried by a hint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy.engine import URL

from api.app import create_app
from core.database import transaction
from core.events import record_event
from core.events.hints import CoalescedHint, commit_hints
from core.models import EventType, TriggerExecutionStatus
from scheduler.embedded import CeleryHandoff, InProcessPipeline
from scheduler.hints import RedisHintPublisher, hint_channel
from tests.world.automation import add_trigger, executions, expense, record, seeded_company
from tests.world.processes import (
    SHARED_REDIS,
    background_env,
    celery_worker,
    erp_relay,
    pg_settings,
    post_delivery,
    relay_settings,
    webhook_endpoint,
)
from tests.world.services import eventually, free_port
from tests.world.tenants import Sessions

LONG_POLL = "120"
HINTED_WITHIN = 12.0
"""Seconds an event may take to reach its execution when a hint carried it: the poll would
take up to 120. On a quiet machine it takes well under one; the margin is for a loaded one
(a fresh clone's suite beside other work), where a worker's first task alone took over 3."""


class CountingSender:
    """A hint sender that only counts the hints this process's commits send."""

    def __init__(self) -> None:
        self.hints = 0

    def hint(self) -> None:
        self.hints += 1


@asynccontextmanager
async def counting_commits() -> AsyncIterator[CountingSender]:
    sender = CountingSender()
    commit_hints.connect(sender)
    try:
        yield sender
    finally:
        commit_hints.disconnect(sender)


async def _count(sessions: Sessions, trigger_id: str, count: int) -> bool:
    return len(await executions(sessions, trigger_id)) >= count


async def test_only_a_committed_transaction_with_outbox_events_hints(sessions: Sessions) -> None:
    acme = await seeded_company(sessions)
    async with counting_commits() as commits:
        with pytest.raises(RuntimeError):
            async with transaction(sessions) as session:
                record_event(
                    session, EventType.TASK_COMPLETED, company_id=acme.company_id, payload={}
                )
                raise RuntimeError("rolled back")
        await add_trigger(sessions, acme.company_id)  # a commit without events
        assert commits.hints == 0

        async with transaction(sessions) as session:
            async with session.begin_nested():
                record_event(
                    session, EventType.TASK_COMPLETED, company_id=acme.company_id, payload={}
                )
            assert commits.hints == 0, "a savepoint's release is not the commit"
        assert commits.hints == 1

        async with transaction(sessions) as session:  # the flag went with the last commit
            pass
        assert commits.hints == 1


async def test_scaled_mode_an_event_through_the_api_wakes_erp_relay_at_once(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    env = background_env(database_url, SHARED_REDIS, ERP_RELAY_POLL_SECONDS=LONG_POLL)
    settings = relay_settings(env)
    worker = celery_worker(env).start()
    relay = erp_relay(env).start()
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            handoff = client.app.state.background.find(CeleryHandoff)
            assert isinstance(handoff, CeleryHandoff)
            # A webhook delivery: one autocommit statement, outside any session.
            trigger_id, path, secret = await webhook_endpoint(sessions, acme.company_id)
            await post_delivery(client, path, secret, "msg-1")
            await eventually(lambda: _count(sessions, trigger_id, 1), within=HINTED_WITHIN)
            # An event committed with a session's transaction.
            task_trigger = await add_trigger(sessions, acme.company_id)
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
            [done] = await eventually(
                lambda: executions(sessions, task_trigger), within=HINTED_WITHIN
            )
            assert done.status is TriggerExecutionStatus.SUCCESS
            assert handoff.hints.sent >= 2 and handoff.hints.failed == 0
    finally:
        relay.stop()
        worker.stop()
    assert "cannot send events" not in relay.output()


async def test_embedded_mode_a_commit_wakes_the_in_process_relay_at_once(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    settings = pg_settings(database_url, ERP_RELAY_POLL_SECONDS=LONG_POLL)
    assert settings.redis_url is None
    async with AsyncTestClient(app=create_app(settings)) as client:
        pipeline = client.app.state.background.find(InProcessPipeline)
        assert isinstance(pipeline, InProcessPipeline) and pipeline.wake is not None
        await asyncio.sleep(0.2)  # past the relay's first pass at start
        task_trigger = await add_trigger(sessions, acme.company_id)
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(2))
        await eventually(lambda: _count(sessions, task_trigger, 1), within=HINTED_WITHIN)

        trigger_id, path, secret = await webhook_endpoint(sessions, acme.company_id)
        await post_delivery(client, path, secret, "msg-2")
        await eventually(lambda: _count(sessions, trigger_id, 1), within=HINTED_WITHIN)
        assert pipeline.wake.hints >= 2


async def test_hints_failing_to_publish_leave_delivery_to_the_poll(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id)
    env = background_env(database_url, SHARED_REDIS, ERP_RELAY_POLL_SECONDS="1")
    # Hints go to a port where no Redis listens; the broker itself is fine.
    dead = RedisHintPublisher(
        f"redis://127.0.0.1:{free_port()}/0", hint_channel(relay_settings(env))
    )
    worker = celery_worker(env).start()
    relay = erp_relay(env).start()
    dead.connect()
    try:
        await asyncio.sleep(1.5)  # the relay's pass at start is behind it
        started = time.monotonic()
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(3))
        assert time.monotonic() - started < 0.5, "a failing hint must not slow the commit"
        await eventually(lambda: _count(sessions, trigger_id, 1), within=10)
        await dead.settle(5)
        assert dead.hints == 1 and dead.failed == 1 and dead.sent == 0
    finally:
        await dead.close()
        relay.stop()
        worker.stop()


async def test_an_event_hinted_before_any_relay_listened_goes_out_when_one_starts(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id)
    env = background_env(database_url, SHARED_REDIS, ERP_RELAY_POLL_SECONDS=LONG_POLL)
    publisher = RedisHintPublisher.for_settings(relay_settings(env)).connect()
    worker = celery_worker(env).start()
    try:
        await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(4))
        await publisher.settle(5)
        assert publisher.sent == 1  # published while nobody listened: lost
        relay = erp_relay(env).start()
        try:
            await eventually(lambda: _count(sessions, trigger_id, 1), within=10)
        finally:
            relay.stop()
    finally:
        await publisher.close()
        worker.stop()


async def test_a_burst_of_commits_publishes_far_fewer_hints(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    settings = relay_settings(background_env(database_url, SHARED_REDIS))
    channel = hint_channel(settings)
    listener = Redis.from_url(SHARED_REDIS)
    received = 0
    async with listener.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
        publisher = RedisHintPublisher.for_settings(settings).connect()
        try:

            async def commits(n: int) -> None:
                for i in range(n):
                    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(i))

            await asyncio.gather(*(commits(10) for _ in range(20)))
            await publisher.settle(5)
        finally:
            await publisher.close()
        while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5):
            received += 1
    await listener.aclose()
    assert publisher.hints == 200 and publisher.failed == 0
    assert received == publisher.sent
    # Measured: about 40 publishes for the 200 commits.
    assert 1 <= publisher.sent <= 100, f"{publisher.sent} publishes for 200 commits"


async def test_hints_during_a_send_fold_into_one_more() -> None:
    release = asyncio.Event()
    sends = 0

    async def send() -> None:
        nonlocal sends
        sends += 1
        await release.wait()

    coalesced = CoalescedHint(send, name="test")
    coalesced.hint()
    await asyncio.sleep(0)  # the first send is in flight
    for _ in range(100):
        coalesced.hint()
    release.set()
    await coalesced.settle(1)
    assert (coalesced.hints, sends, coalesced.sent) == (101, 2, 2)
