"""`erp demo` loads the seed's sample data, and loading it twice duplicates nothing."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.auth.passwords import verify_password
from core.database import create_engine, session_factory, transaction
from core.demo import DEMO_PASSWORD, load_demo
from core.migrate import upgrade
from core.models import (
    Base,
    Company,
    EmailTemplate,
    Flow,
    FlowLevel,
    Task,
    Trigger,
    User,
)
from core.settings import parse_database_url


async def row_counts(sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            t.name: await session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


async def test_demo_data_is_the_seed(sessions) -> None:
    async with transaction(sessions) as session:
        await load_demo(session)
    async with sessions() as session:
        company = await session.scalar(sa.select(Company))
        assert (company.name, company.domain) == ("Acme Corporation", "acme.com")
        users = {u.email: u for u in await session.scalars(sa.select(User))}
        assert {"developer@erpbuilder.com", "admin@acme.com"} <= set(users)
        assert users["admin@acme.com"].password.startswith("$2b$10$")
        assert verify_password(DEMO_PASSWORD, users["admin@acme.com"].password)
        task = await session.scalar(sa.select(Task).where(Task.name == "Expense Approval Form"))
        assert [f["label"] for f in task.fields] == [
            "Employee Name",
            "Amount",
            "Category",
            "Receipt",
        ]
        flow = await session.scalar(sa.select(Flow).options(sa.orm.selectinload(Flow.levels)))
        assert [lvl.name for lvl in flow.levels] == [
            "Employee Submission",
            "Manager Review",
            "Finance Approval",
        ]
        assert flow.published_at is not None and task.published_at is not None
        trigger = await session.scalar(sa.select(Trigger))
        assert trigger.conditions["rules"][0] == {
            "field": "Amount",
            "operator": "greater_than",
            "value": 10000,
        }
        template = await session.scalar(sa.select(EmailTemplate))
        assert "{{employee_name}}" in template.body
        assert template.variables == ["employee_name", "amount", "category", "link_to_task"]


async def test_loading_twice_duplicates_nothing(sessions) -> None:
    async with transaction(sessions) as session:
        await load_demo(session)
    first = await row_counts(sessions)
    async with transaction(sessions) as session:
        await load_demo(session)
    assert await row_counts(sessions) == first
    assert first["flow_levels"] == 3 and first["users"] == 5 and first["departments"] == 2


def test_demo_on_embedded_sqlite(tmp_path) -> None:
    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    upgrade(url)

    async def _twice() -> tuple[int, int]:
        engine = create_engine(url)
        sessions = session_factory(engine)
        counts = []
        for _ in range(2):
            async with transaction(sessions) as session:
                await load_demo(session)
            async with sessions() as session:
                counts.append(await session.scalar(sa.select(sa.func.count(FlowLevel.id))))
        await engine.dispose()
        return counts[0], counts[1]

    assert asyncio.run(_twice()) == (3, 3)
