"""The background side inside the API process. Embedded mode (SQLite, no REDIS_URL): the
relay, the trigger engine and the scheduler daemon run on the API's event loop, so `erp
serve` alone is a working automation platform. With REDIS_URL: only a Celery dispatcher,
for API calls that hand work to the workers (a retried execution). PostgreSQL without
REDIS_URL: nothing; run `erp worker` and `erp scheduler` with a REDIS_URL."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.http import GuardedHttpClient
from core.plugins.manager import get_plugins
from core.settings import Settings
from core.triggers import Dispatcher, TriggerEngine
from core.triggers.registry import ActionRegistry
from scheduler.daemon import SchedulerDaemon
from scheduler.dispatch import CeleryDispatcher, InProcessDispatcher
from scheduler.integrations import run_integration_workflows
from scheduler.relay import run_relay

log = logging.getLogger("erp.embedded")


@dataclass
class Background:
    """What `start` set going; `dispatcher` sends work to whichever worker runs it (None when
    this process knows of no worker)."""

    dispatcher: Dispatcher | None
    engine: TriggerEngine | None = None
    daemon: SchedulerDaemon | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def idle(self) -> None:
        """Embedded mode: wait until the queued trigger work is done (tests use it)."""
        if isinstance(self.dispatcher, InProcessDispatcher):
            await self.dispatcher.idle()


async def start(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    scheduler: bool = True,
) -> Background:
    """Start the background side for the API (call from its lifespan, then `stop`)."""
    if settings.redis_url:
        from scheduler.celery_app import make_celery

        return Background(dispatcher=CeleryDispatcher(make_celery(settings)))
    if not settings.embedded:
        log.warning("no REDIS_URL: triggers run only where `erp worker` and a relay run")
        return Background(dispatcher=None)
    plugins = get_plugins()
    engine_ref: list[TriggerEngine] = []

    async def handle(kind: str, payload: object) -> object:
        engine = engine_ref[0]
        if kind == "events":
            return await engine.handle_events(payload)  # type: ignore[arg-type]
        return await engine.handle_run(str(payload))

    dispatcher = InProcessDispatcher(handle)
    engine = TriggerEngine(
        sessions=sessions,
        settings=settings,
        http=GuardedHttpClient.from_settings(settings.automation),
        registry=ActionRegistry.from_plugins(plugins),
        dispatcher=dispatcher,
        plugins=plugins,
    )
    engine_ref.append(engine)
    dispatcher.start()
    background = Background(dispatcher=dispatcher, engine=engine)
    background.tasks.append(
        asyncio.create_task(
            run_relay(sessions, dispatcher, settings.automation, background.stopping)
        )
    )
    if scheduler:
        background.daemon = SchedulerDaemon(sessions, settings.automation)
        background.daemon.start()
        background.tasks.append(
            asyncio.create_task(run_integration_workflows(sessions, settings, background.stopping))
        )
    log.info("embedded automation started (relay, trigger engine%s)", ", scheduler" * scheduler)
    return background


async def stop(background: Background) -> None:
    background.stopping.set()
    if background.daemon is not None:
        background.daemon.stop()
    await asyncio.gather(*background.tasks, return_exceptions=True)
    if isinstance(background.dispatcher, InProcessDispatcher):
        await background.dispatcher.stop()
    if background.engine is not None:
        await background.engine.http.aclose()
