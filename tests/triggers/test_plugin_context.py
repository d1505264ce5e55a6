"""What a plugin's action sees when the trigger engine runs it: its company's event and
variables, units of work confined to that company, its own plugin's settings read from the
environment, and nothing of the platform's (no session factory, no platform settings, no
secret key). Plugins that watch events get each one as a frozen value."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.http import GuardedHttpClient
from core.models import Company, EventType, TriggerExecutionStatus
from core.plugins.manager import load_plugins
from core.settings import AutomationSettings, Settings
from core.triggers import TriggerEngine
from core.triggers.registry import ActionRegistry
from erp.sdk import Action, ActionContext, EventInfo, PluginSettings, hookimpl
from scheduler.dispatch import InProcessDispatcher
from tests.world.app import SECRET
from tests.world.automation import Pipeline, add_trigger, executions, record, settings_for
from tests.world.services import SmtpServer
from tests.world.tenants import Sessions, Tenant


class GreeterSettings(PluginSettings, frozen=True):
    prefix = "GREETER"
    greeting: str
    repeat: int = 1
    audience: list[str] = []


class GreetConfig(msgspec.Struct):
    name: str


class Greeter:
    """A third-party plugin, written against erp.sdk only: one action, its own settings, and
    a watcher of recorded events."""

    __name__ = "greeter"

    def __init__(self) -> None:
        self.contexts: list[ActionContext] = []
        self.events: list[EventInfo] = []

    @hookimpl
    def erp_register_settings(self) -> type[PluginSettings]:
        return GreeterSettings

    @hookimpl
    def erp_register_actions(self) -> list[Action]:
        return [Action(name="greet", config=GreetConfig, run=self.greet)]

    @hookimpl
    def erp_event_recorded(self, event: EventInfo) -> None:
        self.events.append(event)

    async def greet(self, context: ActionContext, config: GreetConfig) -> dict[str, Any]:
        self.contexts.append(context)
        settings = context.settings_as(GreeterSettings)
        async with context.transaction() as session:
            companies = (await session.scalars(sa.select(Company.id))).all()
        return {
            "text": " ".join([f"{settings.greeting}, {config.name}!"] * settings.repeat),
            "audience": settings.audience,
            "companiesSeen": list(companies),
        }


async def greeter_pipeline(
    sessions: Sessions, settings: Settings, greeter: Greeter, environ: dict[str, str]
) -> Pipeline:
    plugins = load_plugins(entry_points=False, extra=(greeter,), environ=environ)
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


async def run_greeting(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant, environ: dict[str, str]
) -> tuple[Greeter, Any]:
    greeter = Greeter()
    pipeline = await greeter_pipeline(
        sessions, settings_for(database_url, smtp.port), greeter, environ
    )
    try:
        trigger_id = await add_trigger(
            sessions,
            acme.company_id,
            name="Greet",
            event_type=EventType.WEBHOOK_RECEIVED,
            actions=[{"type": "greet", "config": {"name": "{{ who }}"}}],
        )
        await record(
            sessions,
            acme.company_id,
            EventType.WEBHOOK_RECEIVED,
            {"who": "Ada"},
            trigger_id=trigger_id,
        )
        # Another company's row, which the action must not see.
        async with sessions() as session, session.begin():
            session.add(Company(name="Globex"))
        await pipeline.drain()
    finally:
        await pipeline.dispatcher.stop()
        await pipeline.engine.http.aclose()
    [execution] = await executions(sessions, trigger_id)
    return greeter, execution


async def test_an_action_reads_its_plugins_settings_from_the_environment(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    environ = {
        "ERP_PLUGIN_GREETER_GREETING": "Hello",
        "ERP_PLUGIN_GREETER_REPEAT": "2",
        "ERP_PLUGIN_GREETER_AUDIENCE": '["ops", "sales"]',
        "ERP_SECRET_KEY": SECRET,
    }
    greeter, execution = await run_greeting(sessions, database_url, smtp, acme, environ)

    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    output = execution.actions_executed[0]["output"]
    assert output["text"] == "Hello, Ada! Hello, Ada!"
    assert output["audience"] == ["ops", "sales"]
    # The unit of work the context opens is confined to the trigger's company.
    assert output["companiesSeen"] == [acme.company_id]
    [context] = greeter.contexts
    assert context.settings == GreeterSettings(
        greeting="Hello", repeat=2, audience=["ops", "sales"]
    )
    assert context.company_id == acme.company_id


async def test_the_platforms_secrets_are_nowhere_in_the_action_context(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    environ = {"ERP_PLUGIN_GREETER_GREETING": "Hi", "ERP_SECRET_KEY": SECRET}
    greeter, execution = await run_greeting(sessions, database_url, smtp, acme, environ)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [context] = greeter.contexts

    names = {f.name for f in dataclasses.fields(context)}
    assert names == {
        "company_id",
        "event",
        "trigger",
        "variables",
        "http",
        "services",
        "run_id",
        "action_index",
        "attempt",
        "settings",
    }
    objects = (context, context.services, context.http, context.event, context.trigger)
    for obj in (*objects, context.settings):
        public = {name: getattr(obj, name) for name in dir(obj) if not name.startswith("_")}
        assert "sessions" not in public and "secret_key" not in public
        for value in public.values():
            assert not isinstance(value, Settings | AutomationSettings | async_sessionmaker)
        assert SECRET not in repr(obj)
    assert SECRET not in repr(context.variables)
    assert context.settings is not None
    assert SECRET not in str(msgspec.structs.asdict(context.settings))


async def test_an_action_whose_required_setting_is_missing_fails_saying_which(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    greeter, execution = await run_greeting(sessions, database_url, smtp, acme, {})
    assert execution.status is TriggerExecutionStatus.FAILED
    assert "ERP_PLUGIN_GREETER_" in (execution.error_message or "")
    assert greeter.contexts[0].settings is None


async def test_plugins_watching_events_get_a_frozen_value_not_the_outbox_row(
    sessions: Sessions, database_url: URL, smtp: SmtpServer, acme: Tenant
) -> None:
    environ = {"ERP_PLUGIN_GREETER_GREETING": "Hi"}
    greeter, _ = await run_greeting(sessions, database_url, smtp, acme, environ)
    [event] = [e for e in greeter.events if e.type is EventType.WEBHOOK_RECEIVED]
    assert isinstance(event, EventInfo)
    assert (event.company_id, event.data["who"], event.chain_depth) == (acme.company_id, "Ada", 0)
    assert event.occurred_at.tzinfo is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.company_id = "another"  # type: ignore[misc]
