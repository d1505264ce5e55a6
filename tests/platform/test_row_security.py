"""PostgreSQL row-level security, the second line of tenant isolation: proved with raw SQL
(which the ORM scoping never sees) under a role that is not a superuser, since superusers
pass every policy."""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Base, Company, Department, User
from core.tenancy import COMPANY_KEY, outside_company
from tests.world.row_security import column, two_companies

MIGRATION = importlib.import_module("migrations.versions.0012_tenant_row_security")


def tenant_tables() -> set[str]:
    """Every table the models give a company_id column."""
    return {t.name for t in Base.metadata.tables.values() if "company_id" in t.c}


async def test_every_table_with_a_company_column_is_secured_and_forced(engine) -> None:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "p.qual, p.with_check, p.cmd "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname "
                "AND p.policyname = 'tenant_isolation' "
                "WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        )
        catalog = {r.relname: r for r in rows}
    for table in tenant_tables() | {"companies"}:
        row = catalog[table]
        assert row.relrowsecurity and row.relforcerowsecurity, table
        assert row.cmd == "ALL", table
        assert "erp.company_id" in row.qual and row.qual == row.with_check, table
    # Tables without a company are left alone; the migration names no table that is gone.
    assert not catalog["versions"].relrowsecurity
    assert set(MIGRATION.TENANT_TABLES) <= tenant_tables()


def test_the_migration_lists_every_model_with_a_company_column() -> None:
    # A new tenant-owned model needs its table in a revision's list of secured tables: this
    # one's, or (once 0012 is released) a later revision's, added to the set below.
    secured_later = {
        "trigger_action_effects",  # revision 0014
        "user_delegations",  # revision 0018
        "outgoing_emails",  # revision 0020
        "api_keys",  # revision 0023
        "sign_in_providers",  # revision 0023
    }
    assert tenant_tables() - set(MIGRATION.TENANT_TABLES) - secured_later == set()


async def test_a_tenant_transaction_reads_and_writes_only_its_company(sessions, granted) -> None:
    a, b = await two_companies(sessions)
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = a  # as api/deps.py scopes a request
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        # Raw SQL: no ORM criteria are added, only the policies stand between the tenants.
        assert await column(session, "SELECT company_id FROM departments") == [a]
        assert await column(session, "SELECT company_id FROM users") == [a]
        assert await column(session, "SELECT id FROM companies") == [a]
        b_department = await column(
            session, "SELECT id FROM departments WHERE company_id = :b", b=b
        )
        assert b_department == []
        # Another company's rows are invisible to UPDATE and DELETE...
        changed = await session.execute(
            sa.text("UPDATE departments SET name = 'Taken' WHERE company_id = :b"), {"b": b}
        )
        assert changed.rowcount == 0
        gone = await session.execute(
            sa.text("DELETE FROM departments WHERE company_id = :b"), {"b": b}
        )
        assert gone.rowcount == 0
        # ...and no row may be written into it, by INSERT or by moving an own row.
        for statement in (
            "INSERT INTO departments (id, name, company_id, created_at, updated_at) "
            "VALUES ('d-b', 'Planted', :b, now(), now())",
            "UPDATE departments SET company_id = :b WHERE company_id = :a",
        ):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(sa.text(statement), {"a": a, "b": b})
        # Its own company's rows it writes as usual.
        await session.execute(
            sa.text("UPDATE departments SET name = 'Finance' WHERE company_id = :a"), {"a": a}
        )
    async with sessions() as session:
        rows = await session.execute(sa.select(Department.company_id, Department.name))
        names = {company: name for company, name in rows}
    assert names == {a: "Finance", b: "Finance B"}


async def test_without_a_company_the_transaction_sees_every_company(sessions, granted) -> None:
    a, b = await two_companies(sessions)
    async with sessions() as session, session.begin():  # platform work: no company
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        assert await column(session, "SELECT current_setting('erp.company_id', true)") in (
            [None],
            [""],
        )
        assert sorted(await column(session, "SELECT company_id FROM departments")) == sorted([a, b])
        assert len(await column(session, "SELECT id FROM companies")) == 2
        await session.execute(
            sa.text("UPDATE departments SET name = name || ' (seen)' WHERE company_id = :b"),
            {"b": b},
        )
        await session.execute(
            sa.text(
                "INSERT INTO departments (id, name, company_id, created_at, updated_at) "
                "VALUES ('d-b', 'Added', :b, now(), now())"
            ),
            {"b": b},
        )
    async with sessions() as session:
        names = set(await session.scalars(sa.select(Department.name)))
    assert names == {"Finance A", "Finance B (seen)", "Added"}


async def test_a_company_set_after_the_transaction_began_is_named_before_the_next_statement(
    sessions, granted
) -> None:
    a, b = await two_companies(sessions)
    async with sessions() as session, session.begin():
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        assert sorted(await column(session, "SELECT company_id FROM departments")) == sorted([a, b])
        session.info[COMPANY_KEY] = a  # late: the transaction began at platform level
        assert await column(session, "SELECT company_id FROM departments") == [a]
        session.info[COMPANY_KEY] = b
        assert await column(session, "SELECT company_id FROM departments") == [b]
        del session.info[COMPANY_KEY]
        assert len(await column(session, "SELECT company_id FROM departments")) == 2


async def test_outside_company_sees_every_company_then_confines_again(sessions, granted) -> None:
    a, b = await two_companies(sessions)
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = a
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        assert await column(session, "SELECT company_id FROM users") == [a]
        async with outside_company(session):
            assert sorted(await column(session, "SELECT company_id FROM users")) == sorted([a, b])
        # Confined again at once, even for SQL the session's hooks never see (a flush).
        connection = await session.connection()
        seen = await connection.exec_driver_sql("SELECT company_id FROM departments")
        assert list(seen.scalars()) == [a]
        assert session.info[COMPANY_KEY] == a


async def test_the_company_setting_lives_only_as_long_as_its_transaction(engine, sessions) -> None:
    a, _b = await two_companies(sessions)
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn, info={COMPANY_KEY: a})
        async with session.begin():
            assert await column(session, "SELECT current_setting('erp.company_id', true)") == [a]
        await session.close()
        # The same connection, back in the pool's hands: nothing carried over.
        setting = await conn.scalar(sa.text("SELECT current_setting('erp.company_id', true)"))
        assert setting == ""
        await conn.rollback()


async def test_staged_rows_of_the_session_company_pass_the_policy(sessions, granted) -> None:
    from core.access import Principal
    from core.audit.trail import record_audit
    from core.events.outbox import record_event
    from core.models import AuditLog, EventType, OutboxEvent

    a, _b = await two_companies(sessions)
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = a
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        user = (await session.scalars(sa.select(User))).one()
        principal = Principal(user_id=user.id, role=user.role, company_id=a)
        record_event(session, EventType.TASK_COMPLETED, company_id=a, payload={"n": 1})
        record_audit(session, principal, "CREATE", "Department", "x")
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 1


def test_sqlite_tenant_sessions_send_no_setting(tmp_path) -> None:
    import asyncio

    from sqlalchemy import event

    from core.database import create_engine, session_factory
    from core.migrate import upgrade
    from core.settings import parse_database_url

    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    upgrade(url)  # the row-security revision passes over SQLite
    statements: list[str] = []

    async def tenant_query() -> list[Company]:
        engine = create_engine(url)
        listen = event.listen
        listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        try:
            async with session_factory(engine)() as session, session.begin():
                session.info[COMPANY_KEY] = "c-1"
                return list((await session.scalars(sa.select(Company))).all())
        finally:
            await engine.dispose()

    assert asyncio.run(tenant_query()) == []
    assert statements and not any("set_config" in s for s in statements)
