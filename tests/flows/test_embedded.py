"""The embedded platform (SQLite, no services) runs the seed's expense flow too."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.database import create_engine, session_factory, transaction
from core.demo import load_demo
from core.flows import (
    execute_task,
    get_instance,
    instance_history,
    list_instances,
    pending_tasks_for,
    reject,
    start_flow,
)
from core.migrate import upgrade
from core.models import File, Flow, FlowInstanceStatus, Task, User
from core.settings import parse_database_url
from core.tenancy import install_tenant_scoping


def test_the_expense_flow_runs_on_embedded_sqlite(tmp_path) -> None:
    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    upgrade(url)

    async def scenario() -> None:
        install_tenant_scoping()
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            company = await load_demo(session)
            users = {u.email.split("@")[0]: u.id for u in await session.scalars(sa.select(User))}
            flow = await session.scalar(sa.select(Flow))
            tasks = {t.name: t.id for t in await session.scalars(sa.select(Task))}
            receipt = File(
                company_id=company.id,
                filename="r.pdf",
                original_name="r.pdf",
                mimetype="application/pdf",
                size=10,
                path="r.pdf",
                uploaded_by=users["employee"],
            )
            session.add(receipt)

        async def do(work, **kw):
            async with transaction(sessions, company_id=company.id) as session:
                return await work(session, company_id=company.id, **kw)

        expense = {
            "Employee Name": "Eve",
            "Amount": 12000,
            "Category": "Travel",
            "Receipt": receipt.id,
        }
        instance = await do(start_flow, flow_id=flow.id, initiator_id=users["employee"])
        await do(
            execute_task,
            instance_id=instance.id,
            task_id=tasks["Expense Approval Form"],
            user_id=users["employee"],
            data=expense,
        )
        [item], _ = await do(pending_tasks_for, user_id=users["manager"])
        assert (item.level_order, item.overdue) == (2, False)
        await do(reject, instance_id=instance.id, user_id=users["manager"], comment="Which?")
        await do(
            execute_task,
            instance_id=instance.id,
            task_id=tasks["Expense Approval Form"],
            user_id=users["employee"],
            data={**expense, "Amount": 11000},
        )
        for who in ("manager", "finance"):
            await do(
                execute_task,
                instance_id=instance.id,
                task_id=tasks["Expense Review"],
                user_id=users[who],
                data={"Decision": "Approved"},
            )
        view = await do(get_instance, instance_id=instance.id)
        assert view.instance.status is FlowInstanceStatus.COMPLETED
        history = await do(instance_history, instance_id=instance.id)
        assert [h.kind for h in history].count("SUBMITTED") == 4
        assert (await do(list_instances, status=FlowInstanceStatus.COMPLETED))[1] == 1
        await engine.dispose()

    asyncio.run(scenario())
