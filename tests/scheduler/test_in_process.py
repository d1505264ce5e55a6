"""The in-process automation pipeline on PostgreSQL without a broker: `erp serve` runs the
relay, the trigger engine and the scheduler itself, and several API processes at once share
the work through the database claims (each event handled once, each slot fired once)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL

from api.app import create_app
from core.database import create_engine, session_factory, transaction
from core.events import record_event
from core.models import EventType, OutboxEvent, TriggerExecution, TriggerExecutionStatus
from core.models.automation import ScheduleSlot, TriggerRun
from core.plugins import hookimpl
from core.plugins.manager import Plugins, load_plugins
from core.plugins.services import RunningServices
from core.settings import Settings, load_settings
from scheduler.dispatch import CeleryDispatcher, InProcessDispatcher
from scheduler.embedded import CeleryHandoff, InProcessPipeline
from tests.world.app import SECRET
from tests.world.automation import add_trigger, executions, expense, record, seeded_company
from tests.world.processes import VENV_BIN, Process, pg_settings
from tests.world.services import HttpReceiver, eventually, free_port
from tests.world.tenants import Sessions


class Seen:
    """A plugin that notes every event its process's trigger engine was handed."""

    def __init__(self, name: str) -> None:
        self.__name__ = f"seen-{name}"  # the plugin's name in its manager
        self.events: list[str] = []

    @hookimpl
    def erp_event_recorded(self, event: Any) -> None:
        self.events.append(event.id)


@asynccontextmanager
async def api_process(
    database_url: URL, settings: Settings, seen: Seen
) -> AsyncIterator[RunningServices]:
    """What one `erp serve` worker process starts: its own database engine and plugins,
    and the background services the plugins offer."""
    engine = create_engine(database_url)
    plugins = load_plugins(extra=(seen,))
    services = await plugins.start_services(settings, session_factory(engine))
    try:
        yield services
    finally:
        await services.stop()
        await engine.dispose()


async def _count(sessions: Sessions, query: sa.Select[Any]) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_api_on_postgresql_without_redis_runs_triggers(
    database_url: URL, sessions: Sessions
) -> None:
    settings = pg_settings(database_url)
    assert settings.redis_url is None and not settings.embedded
    with HttpReceiver() as receiver:
        async with AsyncTestClient(app=create_app(settings)) as client:
            background = client.app.state.background
            assert isinstance(background.find(InProcessPipeline), InProcessPipeline)
            assert isinstance(background.dispatcher, InProcessDispatcher)
            acme = await seeded_company(sessions)
            trigger = await add_trigger(
                sessions,
                acme.company_id,
                actions=[{"type": "http_request", "config": {"url": receiver.url + "/done"}}],
            )
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(5))
            [done] = await eventually(lambda: executions(sessions, trigger))
            assert done.status is TriggerExecutionStatus.SUCCESS
            assert [r.path for r in receiver.requests] == ["/done"]
        # Shut down with the app: nothing is left running.
        assert background.services == []


async def test_two_processes_hand_each_event_to_one_engine(
    database_url: URL, sessions: Sessions
) -> None:
    settings = pg_settings(database_url)
    acme = await seeded_company(sessions)
    triggers = [await add_trigger(sessions, acme.company_id, name=f"t{i}") for i in range(2)]
    first, second = Seen("first"), Seen("second")
    recorded: list[str] = []
    async with (
        api_process(database_url, settings, first),
        api_process(database_url, settings, second),
    ):
        # Events keep coming in small commits while both relays poll.
        for batch in range(40):
            async with transaction(sessions) as session:
                recorded += [
                    record_event(
                        session,
                        EventType.TASK_COMPLETED,
                        company_id=acme.company_id,
                        payload=expense(batch * 5 + i),
                    )
                    for i in range(5)
                ]
            await asyncio.sleep(0.02)
        await eventually(
            lambda: _at_least(sessions, sa.select(sa.func.count(TriggerExecution.id)), 400),
            within=60,
        )
    handed = Counter(first.events + second.events)
    assert set(handed) == set(recorded) and len(recorded) == 200
    assert max(handed.values()) == 1, "an event was handed to two engines"
    assert first.events and second.events, "both processes relay"
    async with sessions() as session:
        runs = (await session.scalars(sa.select(TriggerRun))).all()
        undispatched = await session.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.dispatched_at.is_(None))
        )
    assert len(runs) == 400
    assert Counter((r.trigger_id, r.event_id) for r in runs) == Counter(
        {(t, e): 1 for t in triggers for e in recorded}
    )
    assert {r.deliveries for r in runs} == {1} and {r.status for r in runs} == {"done"}
    assert len({r.execution_id for r in runs}) == 400
    assert undispatched == 0


async def test_two_processes_fire_each_slot_once(database_url: URL, sessions: Sessions) -> None:
    settings = pg_settings(database_url)
    acme = await seeded_company(sessions)
    scheduled = await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.SCHEDULED,
        event_config={"interval": {"seconds": 1}},
    )
    async with (
        api_process(database_url, settings, Seen("first")),
        api_process(database_url, settings, Seen("second")),
    ):
        await eventually(
            lambda: _at_least(sessions, sa.select(sa.func.count(TriggerExecution.id)), 4),
            within=30,
        )
    async with sessions() as session:
        slots = (await session.scalars(sa.select(ScheduleSlot))).all()
        events = (
            await session.scalars(
                sa.select(OutboxEvent).where(OutboxEvent.event_type == EventType.SCHEDULED)
            )
        ).all()
        runs = (await session.scalars(sa.select(TriggerRun))).all()
    fired_for = [e.payload["scheduledFor"] for e in events]
    assert len(slots) >= 4
    assert sorted(fired_for) == sorted({s.fire_at.isoformat() for s in slots}), (
        "one SCHEDULED event per slot"
    )
    assert {e.id for e in events} == {s.event_id for s in slots}
    assert Counter(r.event_id for r in runs).most_common(1)[0][1] == 1
    assert {r.trigger_id for r in runs} == {scheduled}
    finished = await executions(sessions, scheduled)
    ran_for = [x.event_data["scheduledFor"] for x in finished]
    assert len(ran_for) == len(set(ran_for)) >= 4, "no slot ran twice"


class Broken:
    """Third-party plugins that go wrong in each way `erp_background_services` can."""

    __name__ = "broken"

    @hookimpl
    def erp_background_services(self) -> list[Any]:
        raise RuntimeError("no services today")


@dataclass
class Service:
    name: str
    log: list[str]
    fail: bool = False
    dispatcher: Any = None

    async def start(self) -> None:
        if self.fail:
            raise OSError("port in use")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


class Offers:
    """A third-party plugin offering services, one of them not one, one failing to start."""

    __name__ = "offers"

    def __init__(self, log: list[str]) -> None:
        self.log = log

    @hookimpl
    def erp_background_services(self, settings: Settings) -> list[Any]:
        assert isinstance(settings, Settings)
        return [
            Service("one", self.log),
            "not a service",
            Service("two", self.log, fail=True),
            Service("three", self.log),
        ]


def _plugins(*extra: object) -> Plugins:
    return load_plugins(entry_points=False, extra=extra)


async def test_plugins_contribute_services_and_broken_ones_are_reported(
    database_url: URL, sessions: Sessions
) -> None:
    log: list[str] = []
    plugins = _plugins(Broken(), Offers(log))
    settings = pg_settings(database_url, ERP_IN_PROCESS_AUTOMATION="false")
    running = await plugins.start_services(settings, sessions)
    assert [s.name for s in running.services] == ["one", "three"]
    assert running.dispatcher is None, "no pipeline and no broker: nothing to hand work to"
    await running.stop()
    assert log == ["start one", "start three", "stop three", "stop one"]
    assert plugins.info("broken").problems == [
        "erp_background_services raised RuntimeError: no services today"
    ]
    problems = plugins.info("offers").problems
    assert problems[0] == "not a background service: 'not a service'"
    assert problems[1].startswith("background service two failed to start: OSError")


async def test_with_redis_the_api_only_hands_work_to_celery(
    database_url: URL, sessions: Sessions
) -> None:
    settings = pg_settings(database_url, REDIS_URL="redis://127.0.0.1:6379/0")
    running = await _plugins().start_services(settings, sessions)
    try:
        assert [type(s) for s in running.services] == [CeleryHandoff]
        assert isinstance(running.dispatcher, CeleryDispatcher)
    finally:
        await running.stop()


def test_in_process_automation_is_on_unless_turned_off() -> None:
    for database in ("postgresql://u@127.0.0.1/erp", "sqlite:///erp.db"):
        env = {"DATABASE_URL": database, "ERP_SECRET_KEY": SECRET}
        assert load_settings(env).automation.in_process is True
        off = load_settings({**env, "ERP_IN_PROCESS_AUTOMATION": "false"})
        assert off.automation.in_process is False


async def _at_least(sessions: Sessions, query: sa.Select[Any], count: int) -> int:
    found = await _count(sessions, query)
    return found if found >= count else 0


async def test_erp_serve_with_two_workers_on_postgresql_runs_each_trigger_once(
    database_url: URL, sessions: Sessions
) -> None:
    """The real command: `erp serve --workers 2`, two uvicorn worker processes, each with its
    own pipeline, and no Redis."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=database_url.render_as_string(hide_password=False),
        ERP_SECRET_KEY=SECRET,
        ERP_SCHEDULER_SYNC_SECONDS="0.3",
        ERP_RELAY_BATCH_SIZE="5",
        ERP_LOG_LEVEL="INFO",
    )
    acme = await seeded_company(sessions)
    on_completion = await add_trigger(sessions, acme.company_id)
    scheduled = await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.SCHEDULED,
        event_config={"interval": {"seconds": 1}},
    )
    server = Process(
        [str(VENV_BIN / "erp"), "serve", "--port", str(port), "--workers", "2"], env
    ).start()
    try:
        await eventually(lambda: _started(server, workers=2), within=60, every=0.2)
        assert "run in each of the 2 processes (no REDIS_URL)" in server.output()
        recorded = []
        for n in range(30):
            recorded.append(
                await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(n))
            )
            await asyncio.sleep(0.01)
        await eventually(lambda: _ran(sessions, on_completion, 30), within=60)
        await eventually(lambda: _ran(sessions, scheduled, 3), within=60)
    finally:
        server.stop()
    async with sessions() as session:
        runs = (await session.scalars(sa.select(TriggerRun))).all()
        slots = (await session.scalars(sa.select(ScheduleSlot))).all()
    completions = [r for r in runs if r.trigger_id == on_completion]
    assert sorted(r.event_id for r in completions) == sorted(recorded)
    assert {r.deliveries for r in completions} == {1}
    ticks = [r for r in runs if r.trigger_id == scheduled]
    assert len({r.event_id for r in ticks}) == len(ticks) >= 3
    assert {r.event_id for r in ticks} <= {s.event_id for s in slots}
    assert len({s.event_id for s in slots}) == len(slots) >= 3
    done = await executions(sessions, on_completion)
    assert len(done) == 30
    # The in-process pipeline logs each execution with its ids, as a worker does.
    lines = server.output().splitlines()
    for run in completions:
        assert any(
            f"event_id={run.event_id} " in line and f"execution_id={run.execution_id} " in line
            for line in lines
        ), server.output()[-3000:]


async def _started(server: Process, *, workers: int) -> bool:
    output = server.output()
    if server.proc is not None and server.proc.poll() is not None:
        raise AssertionError(f"erp serve exited:\n{output[-3000:]}")
    return output.count("Application startup complete") >= workers


async def _ran(sessions: Sessions, trigger_id: str, count: int) -> bool:
    return len(await executions(sessions, trigger_id)) >= count
