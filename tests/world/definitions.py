"""A company with a definition of every kind, for definitions as code: the seed's demo (Acme:
its expense tasks, flow, trigger and e-mail template, roles and departments) and, written
through the areas' own use cases, custom tables pointing at each other with permissions and a
trigger, a published dataset, an integration with a secret and a workflow, a second flow with
a branch and a trigger, and a scheduled trigger attached to nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.database import transaction
from core.demo import load_demo
from core.flows import BranchSpec, FlowSpec, LevelSpec
from core.flows import use_cases as flows
from core.integrations.definitions import INTEGRATIONS, WORKFLOWS
from core.models import (
    Company,
    EventType,
    Flow,
    IntegrationType,
    Task,
    User,
    UserRole,
)
from core.records import use_cases as records
from core.settings import Settings
from core.triggers import use_cases as triggers
from core.triggers.service import TriggerSpec
from tests.world.app import make_settings

Sessions = async_sessionmaker[AsyncSession]
SIGNING_SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="
SECRETS = {"ledger-hook.signingSecret": SIGNING_SECRET}
"""The secret values an apply of the seeded company's files is given."""


@dataclass(frozen=True)
class Seeded:
    """The seeded company and who defines in it (its admin)."""

    company: Company
    admin: Principal
    settings: Settings


def definitions_settings(database_url: sa.URL, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "files")


async def seed_definitions(sessions: Sessions, settings: Settings) -> Seeded:
    """The demo company with a definition of every kind (see the module's docstring)."""
    async with transaction(sessions) as session:
        company = await load_demo(session)
        admin = await session.scalar(sa.select(User).where(User.email == "admin@acme.com"))
        assert admin is not None
    principal = Principal(admin.id, UserRole.ADMIN, company.id)
    async with transaction(sessions, company_id=company.id) as session:
        await _add_definitions(session, principal, settings)
    return Seeded(company, principal, settings)


async def _add_definitions(session: AsyncSession, admin: Principal, settings: Settings) -> None:
    vendors = await records.create_table(
        session,
        admin,
        name="vendors",
        display_name="Vendors",
        schema=[{"id": "name", "type": "text", "label": "Name", "required": True}],
    )
    lines = await records.create_table(
        session,
        admin,
        name="expense_lines",
        display_name="Expense lines",
        description="One line of an expense",
        schema=[
            {"id": "vendor", "type": "record", "label": "Vendor", "settings": {"table": "vendors"}},
            {"id": "amount", "type": "number", "label": "Amount"},
        ],
        permissions={
            "Manager": {"read": "all", "update": "all"},
            "EMPLOYEE": {"read": "own", "fields": {"amount": "read"}},
        },
    )
    await records.update_table(
        session,
        admin,
        table_id=vendors.id,
        changes={
            "relations": [
                {
                    "name": "lines",
                    "type": "one-to-many",
                    "table": "expense_lines",
                    "field": "vendor",
                }
            ]
        },
    )
    await triggers.create_trigger(
        session,
        admin,
        spec=TriggerSpec(
            name="New line names its vendor",
            event_type=EventType.DATABASE_ROW_CREATED,
            table_id=lines.id,
            actions=[
                {"type": "create_record", "config": {"tableId": vendors.id, "data": {"name": "x"}}}
            ],
        ),
    )
    dataset = await records.create_dataset(
        session,
        admin,
        name="Travel Policy",
        category="policies",
        sections=[
            {
                "id": "general",
                "title": "General",
                "fields": [{"id": "limit", "type": "number", "label": "Daily limit"}],
            }
        ],
        visibility={"roles": ["Manager"], "departments": ["Finance"]},
    )
    await records.publish_dataset(session, admin, dataset_id=dataset.id)
    hook = await INTEGRATIONS.create(
        session,
        admin,
        {
            "name": "Ledger hook",
            "type": IntegrationType.WEBHOOK,
            "config": {"url": "https://ledger.example/hook", "signingSecret": SIGNING_SECRET},
        },
        settings,
    )
    await WORKFLOWS.create(
        session,
        admin,
        {
            "name": "Expenses to the ledger",
            "integration_id": hook.id,
            "trigger_config": {"type": "event", "eventType": "TASK_COMPLETED"},
            "action_config": {
                "integrationId": hook.id,
                "action": "post_event",
                "inputs": {"eventType": "expense", "payload": "{{amount}}"},
            },
        },
        settings,
    )
    tasks = {
        name: task_id for name, task_id in await session.execute(sa.select(Task.name, Task.id))
    }
    expense_flow = await session.scalar(sa.select(Flow.id).where(Flow.name.like("Expense%")))
    purchase = await flows.create_flow(
        session,
        admin,
        spec=FlowSpec(
            name="Purchase Request",
            description="Small purchases skip the approval",
            levels=[
                LevelSpec(order=1, name="Request", task_ids=[tasks["Expense Approval Form"]]),
                LevelSpec(
                    order=2,
                    name="Approval",
                    task_ids=[tasks["Expense Review"]],
                    roles=["Manager"],
                    config={"completion": "any", "deadlineHours": 24},
                ),
            ],
            branches=[
                BranchSpec(
                    name="Small purchase",
                    from_level=1,
                    to_level="END",
                    conditions={"<": [{"var": "Amount"}, 100]},
                )
            ],
        ),
    )
    await triggers.create_trigger(
        session,
        admin,
        spec=TriggerSpec(
            name="Purchase done",
            event_type=EventType.FLOW_COMPLETED,
            flow_id=purchase.id,
            actions=[
                {"type": "notify", "config": {"title": "Purchase done", "roles": ["Finance"]}}
            ],
        ),
    )
    await triggers.create_trigger(
        session,
        admin,
        spec=TriggerSpec(
            name="Weekly expense digest",
            event_type=EventType.SCHEDULED,
            event_config={"cron": "0 9 * * 1", "timezone": "Europe/Paris"},
            actions=[
                {
                    "type": "start_flow",
                    "config": {"flowId": expense_flow},
                },
                {
                    "type": "send_email",
                    "config": {"to": "finance@acme.com", "subject": "Digest", "body": "Weekly"},
                },
            ],
        ),
    )
