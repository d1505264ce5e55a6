"""The background side inside an API process, offered to it as background services through
the `erp_background_services` hook (scheduler.commands implements it):

- no REDIS_URL, on SQLite or PostgreSQL: the in-process pipeline. The outbox relay, the
  trigger engine, the scheduler daemon and the integration jobs run on the API's event loop,
  so `erp serve` alone is a working automation platform. With several API processes
  (`erp serve --workers N`) each runs one; the database claims share the work: the relay
  takes events under SKIP LOCKED, a run is claimed once per trigger and event (its
  idempotency key) and leased to one engine, a schedule slot is a unique row.
- REDIS_URL: only a Celery dispatcher, for API calls that hand work to the workers (a
  retried execution), and the Redis hints that wake the relays after this process's
  commits; `erp worker`, `erp relay` and `erp scheduler` do the rest.
- ERP_IN_PROCESS_AUTOMATION=false without REDIS_URL: nothing (this process serves requests
  only; another `erp serve` runs the pipeline)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.events.dispatch import Dispatcher
from core.events.hints import commit_hints
from core.http import GuardedHttpClient
from core.plugins.manager import Plugins
from core.plugins.services import BackgroundService
from core.settings import Settings
from core.triggers import TriggerEngine
from core.triggers.admission import Admission
from core.triggers.registry import ActionRegistry
from scheduler.daemon import SchedulerDaemon
from scheduler.dispatch import CeleryDispatcher, InProcessDispatcher
from scheduler.hints import RedisHintPublisher
from scheduler.integrations import run_integration_workflows
from scheduler.relay import RelayWake, run_relay

log = logging.getLogger("erp.embedded")


def background_services(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], plugins: Plugins
) -> list[BackgroundService]:
    """What an API process runs beside its requests (see the module docstring)."""
    if settings.redis_url:
        return [CeleryHandoff(settings)]
    if not settings.automation.in_process:
        log.info("ERP_IN_PROCESS_AUTOMATION is off: no relay, trigger engine or scheduler here")
        return []
    return [InProcessPipeline(settings, sessions, plugins)]


class CeleryHandoff:
    """With a broker: nothing runs here, work is only handed to the Celery workers, and the
    relays are hinted over Redis when this process commits outbox events."""

    name = "celery dispatcher"

    def __init__(self, settings: Settings) -> None:
        from scheduler.celery_app import make_celery

        self.dispatcher: Dispatcher | None = CeleryDispatcher(make_celery(settings))
        self.hints = RedisHintPublisher.for_settings(settings)

    async def start(self) -> None:
        """Attach the hints to this process's commits; the broker and hint connections are
        made on first use."""
        self.hints.connect()

    async def stop(self) -> None:
        await self.hints.close()


class InProcessPipeline:
    """The relay, the trigger engine (fed through an in-process queue), the scheduler daemon
    and the integration jobs, on the event loop `start` is awaited on."""

    name = "in-process automation"

    def __init__(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession], plugins: Plugins
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.plugins = plugins
        self.queue = InProcessDispatcher(self._handle, admit=self._admit)
        self.dispatcher: Dispatcher | None = self.queue
        self.engine: TriggerEngine | None = None
        self.daemon: SchedulerDaemon | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.stopping = asyncio.Event()
        self.wake: RelayWake | None = None

    async def _admit(self, event_ids: list[str]) -> Admission:
        assert self.engine is not None
        return await self.engine.admit_events(event_ids, mark=False)

    async def _handle(self, kind: str, payload: object) -> object:
        assert self.engine is not None
        if kind == "admitted":
            assert isinstance(payload, Admission)
            return await self.engine.run_admitted(payload)
        if kind == "events":
            return await self.engine.handle_events(payload)  # type: ignore[arg-type]
        return await self.engine.handle_run(str(payload))

    async def start(self) -> None:
        settings = self.settings
        self.engine = TriggerEngine(
            sessions=self.sessions,
            settings=settings,
            http=GuardedHttpClient.from_settings(settings.automation),
            registry=ActionRegistry.from_plugins(self.plugins),
            dispatcher=self.queue,
            plugins=self.plugins,
        )
        self.queue.start()
        # This process's commits wake its relay; another process's events are its own
        # relay's (or this one's next poll).
        self.wake = RelayWake()
        commit_hints.connect(self.wake)
        self.tasks.append(
            asyncio.create_task(
                run_relay(self.sessions, self.queue, settings.automation, self.stopping, self.wake)
            )
        )
        self.daemon = SchedulerDaemon(self.sessions, settings.automation)
        self.daemon.start()
        self.tasks.append(
            asyncio.create_task(run_integration_workflows(self.sessions, settings, self.stopping))
        )
        log.info(
            "in-process automation started on %s (relay, trigger engine, scheduler, "
            "integration jobs)",
            settings.database_url.get_backend_name(),
        )

    async def idle(self) -> None:
        """Wait until the trigger work queued so far is done (tests use it)."""
        await self.queue.idle()

    async def stop(self) -> None:
        if self.wake is not None:
            commit_hints.disconnect(self.wake)
        self.stopping.set()
        if self.daemon is not None:
            self.daemon.stop()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
        await self.queue.stop()
        if self.engine is not None:
            await self.engine.http.aclose()
