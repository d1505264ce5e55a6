"""Paging through records by cursor: following each page's nextCursor reads every record
exactly once, in the order the offsets give, for every sort (either direction, a field with
missing values, several keys), on PostgreSQL and on embedded SQLite; and counting once,
exactly or up to its bound."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import create_engine, session_factory
from core.errors import ValidationFailed
from core.migrate import upgrade
from core.records import bulk_create_records, count_records, create_table, list_records
from core.settings import parse_database_url
from tests.world.tenants import Tenant, make_tenant

Sessions = async_sessionmaker[AsyncSession]

SCHEMA = [
    {"id": "ref", "type": "text", "label": "Ref", "required": True},
    {"id": "amount", "type": "number", "label": "Amount"},
    {"id": "region", "type": "text", "label": "Region"},
    {"id": "paid", "type": "checkbox", "label": "Paid"},
]


def row(n: int) -> dict[str, Any]:
    """Ties on purpose (amounts repeat), and missing amounts and regions."""
    data: dict[str, Any] = {"ref": f"R-{n:03}", "paid": n % 2 == 0}
    if n % 5:
        data["amount"] = (n * 7) % 11 + 0.5 * (n % 2)
    if n % 3:
        data["region"] = ("north", "south", "east")[n % 3]
    return data


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Sessions | URL:
    """The worker's PostgreSQL sessions, or the URL of a fresh embedded SQLite database."""
    if request.param == "postgresql":
        sessions: Sessions = request.getfixturevalue("sessions")
        return sessions
    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    upgrade(url)
    return url


@pytest.fixture
async def company(database: Sessions | URL) -> AsyncIterator[tuple[Tenant, str]]:
    """A company with a table of 47 records, on either database."""
    engine = create_engine(database) if isinstance(database, URL) else None
    sessions = session_factory(engine) if engine is not None else database
    assert not isinstance(sessions, URL)
    tenant = await make_tenant(sessions, "Acme")
    table = await tenant.run(create_table, name="ledger", display_name="Ledger", schema=SCHEMA)
    await tenant.run(bulk_create_records, table_id=table.id, rows=[row(n) for n in range(47)])
    yield tenant, table.id
    if engine is not None:
        await engine.dispose()


async def by_offset(tenant: Tenant, table: str, sort: list[str] | None) -> list[str]:
    page = await tenant.run(list_records, table_id=table, sort=sort, limit=1000, count="none")
    return [r.data["ref"] for r in page.items]


async def by_cursor(tenant: Tenant, table: str, sort: list[str] | None, size: int) -> list[str]:
    refs: list[str] = []
    after = None
    for _ in range(100):
        page = await tenant.run(
            list_records, table_id=table, sort=sort, limit=size, after=after, count="none"
        )
        refs += [r.data["ref"] for r in page.items]
        after = page.next_cursor
        if after is None:
            return refs
    raise AssertionError("the cursor never reached the last page")


SORTS: list[list[str] | None] = [
    None,
    ["-createdAt"],
    ["amount"],
    ["-amount"],
    ["region", "-amount"],
    ["-region", "-amount"],
    ["paid", "ref"],
    ["-updatedAt", "-region"],
]


async def test_following_the_cursors_reads_every_record_once_in_order(
    company: tuple[Tenant, str],
) -> None:
    tenant, table = company
    for sort in SORTS:
        expected = await by_offset(tenant, table, sort)
        assert len(expected) == 47
        for size in (1, 5, 46, 47):
            assert await by_cursor(tenant, table, sort, size) == expected, (sort, size)


async def test_a_cursor_belongs_to_its_sort_and_excludes_an_offset(
    company: tuple[Tenant, str],
) -> None:
    tenant, table = company
    first = await tenant.run(list_records, table_id=table, sort=["amount"], limit=10)
    assert first.next_cursor is not None and first.total == 47
    with pytest.raises(ValidationFailed) as other_sort:
        await tenant.run(list_records, table_id=table, sort=["-amount"], after=first.next_cursor)
    assert [(p.path, p.code) for p in other_sort.value.problems] == [("after", "invalid_cursor")]
    with pytest.raises(ValidationFailed) as garbled:
        await tenant.run(list_records, table_id=table, after="not-a-cursor")
    assert [p.path for p in garbled.value.problems] == ["after"]
    with pytest.raises(ValidationFailed) as both:
        await tenant.run(
            list_records, table_id=table, after=first.next_cursor, offset=10, count="bogus"
        )
    assert {p.path for p in both.value.problems} == {"offset", "count"}


async def test_counting_once_exactly_or_up_to_the_bound(company: tuple[Tenant, str]) -> None:
    tenant, table = company
    assert await tenant.run(count_records, table_id=table) == (47, True)
    south = {"==": [{"var": "region"}, "south"]}
    assert await tenant.run(count_records, table_id=table, where=south, exact=False) == (
        16,
        True,
    )
    page = await tenant.run(list_records, table_id=table, where=south, count="none")
    assert page.total is None and len(page.items) == 16 and page.next_cursor is None


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_on_sqlite_pages_are_read_in_index_order_and_a_cursor_seeks(
    company: tuple[Tenant, str],
) -> None:
    """The plans, not the timings: the default order comes from the live-page index (no
    sort of the table) and the page after a cursor starts with a seek into it."""
    tenant, table = company
    engine = tenant.sessions.kw["bind"].sync_engine
    pages: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT custom_table_records.id") and "LIMIT" in statement:
            pages.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        first = await tenant.run(list_records, table_id=table, limit=10, count="none")
        await tenant.run(
            list_records, table_id=table, limit=10, after=first.next_cursor, count="none"
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    plans = []
    async with tenant.sessions() as session:
        connection = await session.connection()
        for statement, parameters in pages:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" / ".join(str(r[-1]) for r in rows))
    assert len(plans) == 2, plans
    for plan in plans:
        assert "USING INDEX idx_custom_table_records_live_page" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    assert "(created_at,id)>(?,?)" in plans[1], plans[1]
