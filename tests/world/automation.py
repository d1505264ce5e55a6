"""The automation side of the test world: the seed's company with its expense task and
email template, triggers, tables and events as the services make them, and the trigger
engine running in this process, fed by the relay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.database import transaction
from core.events import record_event
from core.flows import FlowSpec, LevelSpec, publish_flow, save_flow
from core.http import GuardedHttpClient
from core.models import (
    EmailTemplate,
    EventType,
    Role,
    Task,
    TaskStatus,
    Trigger,
    TriggerExecution,
    User,
    UserRole,
)
from core.plugins.manager import get_plugins
from core.settings import Settings, load_settings
from core.triggers import TriggerEngine
from core.triggers.registry import ActionRegistry
from scheduler.dispatch import InProcessDispatcher
from scheduler.relay import relay_once
from tests.world.app import SECRET
from tests.world.tenants import Person, Sessions, Tenant, make_tenant

EXPENSE_FIELDS = [
    {"id": "field_1", "type": "text", "label": "Employee Name", "required": True},
    {"id": "field_2", "type": "number", "label": "Amount", "required": True},
    {
        "id": "field_3",
        "type": "dropdown",
        "label": "Category",
        "required": True,
        "options": ["Travel", "Office Supplies", "Equipment"],
    },
    {"id": "field_4", "type": "file", "label": "Receipt", "required": True},
]
HIGH_VALUE_BODY = """
        Hello,

        A high-value expense request has been submitted:

        Employee: {{employee_name}}
        Amount: ${{amount}}
        Category: {{category}}

        Please review at: {{link_to_task}}
      """
HIGH_VALUE_CONDITIONS = {
    "operator": "AND",
    "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
}
HIGH_VALUE_ACTIONS = [
    {
        "type": "send_email",
        "config": {
            "to": "cfo@acme.com",
            "subject": "High-value expense requires review",
            "template": "high_value_expense",
        },
    }
]


SEED_PEOPLE = (
    Person("developer", UserRole.DEVELOPER, email="developer-{company}@erpbuilder.com"),
    Person("cfo", UserRole.ADMIN, email="cfo-{company}@acme.com", first_name="Carla"),
)


async def seeded_company(sessions: Sessions) -> Tenant:
    """The seed script's company: its developer and CFO, the expense task ("expense") and the
    high-value email template."""
    tenant = await make_tenant(
        sessions,
        "Acme Corporation",
        role_users=(),
        people=SEED_PEOPLE,
        roles={},
        department=None,
        domain=None,
    )
    async with transaction(sessions) as session:
        task = Task(
            name="Expense Approval Form",
            status=TaskStatus.PUBLISHED,
            company_id=tenant.company_id,
            created_by_id=tenant.users["developer"].id,
            fields=EXPENSE_FIELDS,
        )
        session.add(task)
        session.add(
            EmailTemplate(
                company_id=tenant.company_id,
                name="High Value Expense Alert",
                type="high_value_expense",
                subject="High-value expense requires your review",
                body=HIGH_VALUE_BODY,
                variables=["employee_name", "amount", "category", "link_to_task"],
            )
        )
        await session.flush()
        tenant.tasks["expense"] = task.id
    return tenant


async def add_trigger(sessions: Sessions, company_id: str, **values: Any) -> str:
    values.setdefault("name", "test trigger")
    values.setdefault("event_type", EventType.TASK_COMPLETED)
    values.setdefault("actions", [{"type": "noop"}])
    async with transaction(sessions) as session:
        trigger = Trigger(company_id=company_id, **values)
        session.add(trigger)
        await session.flush()
        return trigger.id


async def expense_task(sessions: Sessions, tenant: Tenant) -> str:
    """The expense form, published in the tenant's company (its admin made it)."""
    async with transaction(sessions) as session:
        task = Task(
            name="Expense Approval Form",
            status=TaskStatus.PUBLISHED,
            company_id=tenant.company.id,
            created_by_id=tenant.users[UserRole.ADMIN].id,
            fields=EXPENSE_FIELDS,
        )
        session.add(task)
        await session.flush()
        return task.id


async def add_table(sessions: Sessions, company_id: str, name: str, schema: list[Any]) -> str:
    """A custom table of the company (through the records service, as the API makes one)."""
    from core.records import create_table

    async with transaction(sessions, company_id=company_id) as session:
        table = await create_table(
            session, company_id=company_id, name=name, display_name=name.title(), schema=schema
        )
        return table.id


async def record(
    sessions: Sessions, company_id: str, event_type: EventType, payload: dict[str, Any], **kw: Any
) -> str:
    """Commit one event through the outbox, as the services that cause events do."""
    async with transaction(sessions) as session:
        return record_event(session, event_type, company_id=company_id, payload=payload, **kw)


def expense(amount: int, name: str = "Jane Doe", category: str = "Travel") -> dict[str, Any]:
    """A TASK_COMPLETED payload for the expense task: submitted values keyed by field id."""
    return {
        "executionId": "exec-" + name.replace(" ", "-").lower(),
        "link_to_task": "https://erp.example/tasks/expense",
        "data": {"field_1": name, "field_2": amount, "field_3": category, "field_4": "r.pdf"},
    }


async def executions(sessions: Sessions, trigger_id: str | None = None) -> list[TriggerExecution]:
    async with sessions() as session:
        query = sa.select(TriggerExecution).order_by(TriggerExecution.executed_at)
        if trigger_id is not None:
            query = query.where(TriggerExecution.trigger_id == trigger_id)
        return list((await session.scalars(query)).all())


def settings_for(database_url: URL, smtp_port: int, **env: str) -> Settings:
    """The automation settings of a test: loopback targets allowed, no retries, e-mail to the
    loopback SMTP server; `env` overrides."""
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

    async def close(self) -> None:
        await self.dispatcher.stop()
        await self.engine.http.aclose()


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


LEDGER = [
    {"id": "title", "type": "text", "label": "Title", "required": True},
    {"id": "amount", "type": "number", "label": "Amount", "required": True},
    {"id": "category", "type": "dropdown", "label": "Category", "options": ["Travel", "Office"]},
    {"id": "approved", "type": "checkbox", "label": "Approved"},
]


async def finance_flow(sessions: Sessions, acme: Tenant) -> tuple[str, str]:
    """A published one-level flow on the expense task for the Finance role; (flow, approver)."""
    async with transaction(sessions, company_id=acme.company_id) as session:
        finance = Role(company_id=acme.company_id, name="Finance", permissions={"canApprove": True})
        fiona = User(
            email=f"fiona-{acme.company_id[:8]}@acme.com",
            password="x",
            role=UserRole.MANAGER,
            company_id=acme.company_id,
            roles=[finance],
        )
        session.add_all([finance, fiona])
        await session.flush()
        spec = FlowSpec(
            name="Expense check",
            levels=[
                LevelSpec(
                    order=1,
                    name="Finance check",
                    task_ids=[acme.tasks["expense"]],
                    roles=["Finance"],
                )
            ],
        )
        flow = await save_flow(
            session, company_id=acme.company_id, user_id=acme.users["cfo"].id, spec=spec
        )
        await publish_flow(session, company_id=acme.company_id, flow_id=flow.id)
        return flow.id, fiona.id
