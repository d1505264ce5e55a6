"""Row-level security on the link tables without a company_id (revision 0015): a link is a
tenant's when the rows it joins are. Proved with raw SQL under a role that is not a
superuser, as in test_row_security."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from core.models import Flow, FlowLevel, RefreshToken, Role, User, utcnow
from core.tenancy import COMPANY_KEY
from tests.world.row_security import column, two_companies

MIGRATION = importlib.import_module("migrations.versions.0015_link_table_row_security")


async def links_of_two_companies(sessions) -> dict[str, dict[str, str]]:
    """Companies A and B, each with a user holding a role, a flow level open to that role
    and a refresh token: per company, the ids."""
    a, b = await two_companies(sessions)
    made: dict[str, dict[str, str]] = {}
    async with sessions.begin() as session:
        for name, company in (("A", a), ("B", b)):
            user = (await session.scalars(sa.select(User).where(User.company_id == company))).one()
            role = Role(name=f"Approver {name}", company_id=company)
            flow = Flow(name=f"Flow {name}", company_id=company, created_by_id=user.id)
            session.add_all([role, flow])
            await session.flush()
            level = FlowLevel(name="Review", order=1, flow_id=flow.id, company_id=company)
            session.add(level)
            await session.flush()
            await session.execute(
                sa.text("INSERT INTO user_roles (user_id, role_id) VALUES (:u, :r)"),
                {"u": user.id, "r": role.id},
            )
            await session.execute(
                sa.text("INSERT INTO flow_level_roles (level_id, role_id) VALUES (:l, :r)"),
                {"l": level.id, "r": role.id},
            )
            session.add(
                RefreshToken(
                    user_id=user.id,
                    token_hash=f"{name}" * 64,
                    family_id=f"family-{name}",
                    expires_at=utcnow() + timedelta(days=1),
                )
            )
            made[name] = {"company": company, "user": user.id, "role": role.id, "level": level.id}
    return made


async def test_the_link_tables_are_secured_and_forced(engine) -> None:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.qual, p.with_check "
                "FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
                "AND p.policyname = 'tenant_isolation' WHERE c.relname = ANY(:links)"
            ),
            {"links": list(MIGRATION.LINKS)},
        )
        catalog = {r.relname: r for r in rows}
    assert set(catalog) == {"user_roles", "flow_level_roles", "refresh_tokens"}
    for row in catalog.values():
        assert row.relrowsecurity and row.relforcerowsecurity, row.relname
        assert "erp.company_id" in row.qual and row.qual == row.with_check, row.relname


async def test_a_tenant_sees_and_writes_only_links_between_its_own_rows(sessions, granted) -> None:
    made = await links_of_two_companies(sessions)
    a, b = made["A"], made["B"]
    async with sessions() as session, session.begin():
        session.info[COMPANY_KEY] = a["company"]
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        assert await column(session, "SELECT user_id FROM user_roles") == [a["user"]]
        assert await column(session, "SELECT level_id FROM flow_level_roles") == [a["level"]]
        assert await column(session, "SELECT user_id FROM refresh_tokens") == [a["user"]]
        gone = await session.execute(
            sa.text("DELETE FROM user_roles WHERE user_id = :u"), {"u": b["user"]}
        )
        assert gone.rowcount == 0
        # No link may join its rows to another company's: its user to B's role, B's level
        # to its role, a token for B's user.
        for statement, params in (
            ("INSERT INTO user_roles (user_id, role_id) VALUES (:u, :r)", (a["user"], b["role"])),
            (
                "INSERT INTO flow_level_roles (level_id, role_id) VALUES (:u, :r)",
                (b["level"], a["role"]),
            ),
            (
                "INSERT INTO refresh_tokens (id, user_id, token_hash, expires_at, created_at) "
                "VALUES ('t-b', :u, 'planted', now(), now())",
                (b["user"], None),
            ),
        ):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(sa.text(statement), dict(zip("ur", params)))
        # Links between its own rows it writes as usual.
        await session.execute(
            sa.text("DELETE FROM user_roles WHERE user_id = :u"), {"u": a["user"]}
        )
    async with sessions() as session:
        holders = set(await session.scalars(sa.text("SELECT user_id FROM user_roles")))
    assert holders == {b["user"]}


async def test_without_a_company_every_link_is_seen(sessions, granted) -> None:
    made = await links_of_two_companies(sessions)
    async with sessions() as session, session.begin():
        await session.execute(sa.text(f'SET LOCAL ROLE "{granted}"'))
        users = await column(session, "SELECT user_id FROM user_roles")
        assert sorted(users) == sorted([made["A"]["user"], made["B"]["user"]])
        assert len(await column(session, "SELECT level_id FROM flow_level_roles")) == 2
        assert len(await column(session, "SELECT id FROM refresh_tokens")) == 2
