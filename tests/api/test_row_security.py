"""A request's transaction names its company to PostgreSQL's row-level security policies
before the handler's first query; platform routes leave it unset."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from core.models import UserRole
from tests.world.app import auth_headers


class SettingProbe:
    """After every statement of the app's engine that reads `table`, asks the same
    connection (in the same transaction) which company the policies see; keeps the first
    statement of every transaction."""

    def __init__(self, engine: Any, table: str) -> None:
        self.engine = engine.sync_engine
        self.marker = f"FROM {table}"
        self.seen: list[str | None] = []
        self.first_statements: list[str] = []
        self._probing = False

    def __enter__(self) -> SettingProbe:
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "after_cursor_execute", self._after)
        event.remove(self.engine, "begin", self._begin)

    def _begin(self, conn: Any) -> None:
        conn.info["probe_begun"] = True

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self._probing:
            return
        if conn.info.pop("probe_begun", False):
            self.first_statements.append(statement)
        if self.marker not in statement:
            return
        self._probing = True
        try:
            setting = conn.exec_driver_sql("SELECT current_setting('erp.company_id', true)")
            self.seen.append(setting.scalar())
        finally:
            self._probing = False


async def test_a_company_request_runs_with_its_company_set(client, acme, globex) -> None:
    for tenant in (acme, globex):
        with SettingProbe(client.app.state.engine, "departments") as probe:
            headers = auth_headers(tenant.users[UserRole.ADMIN])
            response = await client.get("/departments", headers=headers)
            assert response.status_code == 200, response.text
        assert probe.seen and set(probe.seen) == {tenant.company.id}
        # The setting is the transaction's first statement.
        assert probe.first_statements
        assert all("set_config('erp.company_id'" in s for s in probe.first_statements)


async def test_a_developer_acting_in_a_company_runs_with_that_company_set(client, acme) -> None:
    developer = acme.users[UserRole.DEVELOPER]
    with SettingProbe(client.app.state.engine, "departments") as probe:
        response = await client.get("/departments", headers=auth_headers(developer, acme.company))
        assert response.status_code == 200, response.text
    assert probe.seen and set(probe.seen) == {acme.company.id}


async def test_a_platform_request_leaves_the_company_unset(client, acme, globex) -> None:
    developer = acme.users[UserRole.DEVELOPER]
    with SettingProbe(client.app.state.engine, "companies") as probe:
        response = await client.get("/companies", headers=auth_headers(developer))
        assert response.status_code == 200, response.text
    assert {c["id"] for c in response.json()["items"]} >= {acme.company.id, globex.company.id}
    assert probe.seen and all(s in (None, "") for s in probe.seen)
    assert probe.first_statements
    assert not any("set_config" in s for s in probe.first_statements)


async def test_one_setting_per_tenant_transaction_and_none_per_savepoint(sessions) -> None:
    from core.tenancy import COMPANY_KEY

    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "set_config" in statement:
            sent.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "after_cursor_execute", count)
    try:
        async with sessions() as session, session.begin():
            session.info[COMPANY_KEY] = "00000000-0000-0000-0000-000000000000"
            await session.execute(sa.text("SELECT 1"))
            async with session.begin_nested():
                await session.execute(sa.text("SELECT 2"))
    finally:
        event.remove(engine, "after_cursor_execute", count)
    assert len(sent) == 1
