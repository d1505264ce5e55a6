"""In-process trigger engine on the worker's PostgreSQL database (the embedded mode's
dispatcher and relay), with a loopback SMTP server and HTTP receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import URL

from core.http import GuardedHttpClient
from core.plugins.manager import get_plugins
from core.settings import Settings, load_settings
from core.triggers import TriggerEngine
from core.triggers.registry import ActionRegistry
from scheduler.dispatch import InProcessDispatcher
from scheduler.relay import relay_once
from tests.triggers.factories import Acme, HttpReceiver, Sessions, SmtpServer, seed_acme

SECRET = "test-secret-key-of-at-least-thirty-two-characters"


def settings_for(database_url: URL, smtp_port: int, **env: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "ERP_SECRET_KEY": SECRET,
            "ERP_SMTP_HOST": "127.0.0.1",
            "ERP_SMTP_PORT": str(smtp_port),
            "ERP_HTTP_ALLOW_PRIVATE": "true",
            "ERP_HTTP_RETRIES": "0",
            **env,
        }
    )


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as server:
        yield server


@dataclass
class Pipeline:
    """The trigger engine in this process, fed by the relay."""

    engine: TriggerEngine
    dispatcher: InProcessDispatcher
    sessions: Sessions

    async def drain(self) -> None:
        """Relay every pending event and wait until the engine has handled it."""
        while await relay_once(self.sessions, self.dispatcher, batch_size=500):
            await self.dispatcher.idle()
        await self.dispatcher.idle()


async def make_pipeline(sessions: Sessions, settings: Settings) -> Pipeline:
    plugins = get_plugins()
    holder: list[TriggerEngine] = []

    async def handle(kind: str, payload: object) -> object:
        if kind == "events":
            return await holder[0].handle_events(payload)  # type: ignore[arg-type]
        return await holder[0].handle_run(str(payload))

    dispatcher = InProcessDispatcher(handle)
    engine = TriggerEngine(
        sessions=sessions,
        settings=settings,
        http=GuardedHttpClient.from_settings(settings.automation),
        registry=ActionRegistry.from_plugins(plugins),
        dispatcher=dispatcher,
        plugins=plugins,
    )
    holder.append(engine)
    dispatcher.start()
    return Pipeline(engine, dispatcher, sessions)


@pytest.fixture
async def pipeline(
    sessions: Sessions, database_url: URL, smtp: SmtpServer
) -> AsyncIterator[Pipeline]:
    line = await make_pipeline(sessions, settings_for(database_url, smtp.port))
    yield line
    await line.dispatcher.stop()
    await line.engine.http.aclose()


@pytest.fixture
async def acme(sessions: Sessions) -> Acme:
    return await seed_acme(sessions)
