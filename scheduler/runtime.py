"""The trigger engine of one worker process: an event loop that lives as long as the
process, with its database engine, HTTP client and Celery dispatcher."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from celery import Celery

from core.database import create_engine, session_factory
from core.http import GuardedHttpClient
from core.plugins.manager import get_plugins
from core.process import freeze_startup_objects
from core.settings import Settings
from core.system import BEAT_SECONDS, Heartbeat
from core.tenancy import install_tenant_scoping
from core.triggers import TriggerEngine, worker_name
from core.triggers.registry import ActionRegistry
from scheduler.dispatch import CeleryDispatcher
from scheduler.hints import RedisHintPublisher

HINT_SETTLE_SECONDS = 0.1
"""How long a task waits, at most, for the relay hint its commits sent: the event loop runs
only during tasks, and a hint left pending would go out with the next task."""


class WorkerRuntime:
    """Created lazily in each worker process (after the fork), reused by every task."""

    def __init__(self, settings: Settings, app: Celery) -> None:
        self.settings = settings
        self.app = app
        # uvloop when installed (it comes with uvicorn[standard]): the engine's database round
        # trips cost less CPU on it than on the default loop.
        self.runner = asyncio.Runner(loop_factory=_loop_factory())
        self.engine: TriggerEngine | None = None
        self.tasks = 0
        """Tasks handled by this process (its beats say how many)."""
        self.hints = RedisHintPublisher.for_settings(settings)

    def run(self, coroutine: Coroutine[Any, Any, int]) -> int:
        return self.runner.run(coroutine)

    async def engine_call(self, method: str, argument: Any) -> int:
        engine = self.engine or self._start()
        self.tasks += 1
        result: int = await getattr(engine, method)(argument)
        # Events the actions recorded (a record created, a flow started) wake the relays.
        await self.hints.settle(HINT_SETTLE_SECONDS)
        return result

    def start_beating(self) -> None:
        """Say that this worker process lives, now and every BEAT_SECONDS until it ends (the
        system page lists the workers heard from, idle ones too). The beats run on a thread
        of their own with one database connection: the engine's event loop runs only while a
        task does."""
        name = worker_name()

        async def beat_forever() -> None:
            database = create_engine(self.settings.database_url, pool_size=1)
            heartbeat = Heartbeat(session_factory(database), kind="worker", name=name)
            while True:
                await heartbeat({"tasks": self.tasks}, now=True)
                await asyncio.sleep(BEAT_SECONDS)

        threading.Thread(
            target=asyncio.run, args=(beat_forever(),), name="erp-worker-beat", daemon=True
        ).start()

    def _start(self) -> TriggerEngine:
        install_tenant_scoping()
        plugins = get_plugins()
        database = create_engine(self.settings.database_url)
        self.engine = TriggerEngine(
            sessions=session_factory(database),
            settings=self.settings,
            http=GuardedHttpClient.from_settings(self.settings.automation),
            registry=ActionRegistry.from_plugins(plugins),
            dispatcher=CeleryDispatcher(self.app),
            plugins=plugins,
        )
        plugins.startup(self.settings)
        self.hints.connect()
        freeze_startup_objects()
        return self.engine


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop use asyncio's loop
        return None
    return uvloop.new_event_loop


_runtime: tuple[int, WorkerRuntime] | None = None


def worker_runtime(settings: Settings, app: Celery) -> WorkerRuntime:
    """This process's runtime (a forked child builds its own)."""
    global _runtime
    if _runtime is None or _runtime[0] != os.getpid():
        _runtime = (os.getpid(), WorkerRuntime(settings, app))
    return _runtime[1]
