"""The models keep the seed's defaults, uniqueness, cascades and relations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.models import (
    Company,
    CustomTable,
    CustomTableRecord,
    Department,
    Flow,
    FlowLevel,
    Role,
    Task,
    TaskStatus,
    User,
    UserRole,
)


async def make_company(session, name: str = "Globex") -> Company:
    company = Company(name=name)
    session.add(company)
    await session.flush()
    return company


async def test_defaults_follow_the_seed(sessions) -> None:
    async with sessions.begin() as session:
        company = await make_company(session)
        user = User(email="e@globex.test", password="x", company_id=company.id)
        session.add(user)
        await session.flush()
        task = Task(name="Form", fields=[], company_id=company.id, created_by_id=user.id)
        session.add(task)
        await session.flush()
        await session.refresh(company)
        await session.refresh(task)
    assert (company.primary_color, company.secondary_color) == ("#3B82F6", "#1A1F2E")
    assert company.is_active is True
    assert user.role is UserRole.EMPLOYEE
    assert (task.status, task.version, task.validations, task.logic) == (
        TaskStatus.DRAFT,
        "1.0",
        [],
        {},
    )


async def test_database_defaults_apply_to_raw_inserts(sessions) -> None:
    async with sessions.begin() as session:
        await session.execute(sa.text("INSERT INTO companies (id, name) VALUES ('c1', 'Raw')"))
        row = (
            await session.execute(
                sa.text("SELECT is_active, primary_color, created_at IS NOT NULL FROM companies")
            )
        ).one()
    assert tuple(row) == (True, "#3B82F6", True)


async def test_role_names_are_unique_within_a_company_only(sessions) -> None:
    async with sessions() as session:
        a, b = await make_company(session, "A"), await make_company(session, "B")
        session.add_all(
            [Role(name="Manager", company_id=a.id), Role(name="Manager", company_id=b.id)]
        )
        await session.flush()
        session.add(Role(name="Manager", company_id=a.id))
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_deleting_a_company_cascades_to_its_tenant_rows(sessions) -> None:
    async with sessions.begin() as session:
        company = await make_company(session)
        table = CustomTable(
            name="suppliers", display_name="Suppliers", schema=[], company_id=company.id
        )
        session.add(table)
        await session.flush()
        session.add(CustomTableRecord(table_id=table.id, data={"a": 1}, company_id=company.id))
        session.add(Department(name="Ops", company_id=company.id))
    async with sessions.begin() as session:
        await session.execute(sa.delete(Company).where(Company.id == company.id))
    async with sessions() as session:
        for model in (CustomTable, CustomTableRecord, Department):
            assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


async def test_flow_levels_and_roles_are_many_to_many(sessions) -> None:
    async with sessions.begin() as session:
        company = await make_company(session)
        user = User(email="dev@globex.test", password="x", company_id=company.id)
        session.add(user)
        await session.flush()
        flow = Flow(name="Approval", company_id=company.id, created_by_id=user.id)
        manager, finance = (Role(name=n, company_id=company.id) for n in ("Manager", "Finance"))
        level1 = FlowLevel(name="Review", order=1, company_id=company.id, roles=[manager, finance])
        level2 = FlowLevel(name="Pay", order=2, company_id=company.id, roles=[finance])
        flow.levels = [level2, level1]
        session.add(flow)
    async with sessions() as session:
        loaded = await session.get(
            Flow, flow.id, options=[sa.orm.selectinload(Flow.levels).selectinload(FlowLevel.roles)]
        )
        assert [lvl.order for lvl in loaded.levels] == [1, 2]
        assert sorted(r.name for r in loaded.levels[0].roles) == ["Finance", "Manager"]
        fin = await session.scalar(
            sa.select(Role).filter_by(name="Finance").options(sa.orm.selectinload(Role.flow_levels))
        )
        assert sorted(lvl.name for lvl in fin.flow_levels) == ["Pay", "Review"]


async def test_level_order_is_unique_within_a_flow(sessions) -> None:
    async with sessions() as session:
        company = await make_company(session)
        user = User(email="dev@globex.test", password="x", company_id=company.id)
        session.add(user)
        await session.flush()
        flow = Flow(name="F", company_id=company.id, created_by_id=user.id)
        flow.levels = [
            FlowLevel(name="a", order=1, company_id=company.id),
            FlowLevel(name="b", order=1, company_id=company.id),
        ]
        session.add(flow)
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_department_tree(sessions) -> None:
    async with sessions.begin() as session:
        company = await make_company(session)
        root = Department(name="HQ", company_id=company.id)
        root.children = [
            Department(name="Engineering", company_id=company.id),
            Department(name="Finance", company_id=company.id),
        ]
        session.add(root)
    async with sessions() as session:
        loaded = await session.get(
            Department, root.id, options=[sa.orm.selectinload(Department.children)]
        )
        assert sorted(c.name for c in loaded.children) == ["Engineering", "Finance"]
