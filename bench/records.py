"""Custom table records at scale: 1,000,000 records in one table on PostgreSQL.

Measures, each beside raw SQL doing the same work in the same run:
- a filtered, sorted, paginated list (page of 50 plus the total) on an indexed field and on
  an unindexed one, through core.records.list_records (exact JSONLogic semantics in SQL);
- bulk insert rows/second through core.records.bulk_create_records (validation, 1,000 rows
  per transaction, one outbox event per row) against a raw asyncpg executemany of the rows.

Run: .venv/bin/python bench/records.py [--records 1000000] [--repeat 20]
Needs PostgreSQL on 127.0.0.1:5432 (ERP_BENCH_PG to override); uses database erp_bench_records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import create, dropped_at_end, run_database  # noqa: E402
from core.access import Principal  # noqa: E402
from core.database import create_engine, session_factory, transaction  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.models import UserRole  # noqa: E402
from core.records import bulk_create_records, create_table, list_records  # noqa: E402
from core.tenancy import install_tenant_scoping  # noqa: E402
from tests.world.tenants import empty_company  # noqa: E402


def _reader(company_id: str) -> Principal:
    """An employee of the company: the table's default permissions (read all, create)."""
    return Principal(user_id=str(uuid.UUID(int=1)), role=UserRole.EMPLOYEE, company_id=company_id)


SERVER = os.environ.get("ERP_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
DATABASE = run_database("records")
SCHEMA = [
    {"id": "ref", "type": "text", "label": "Ref", "required": True},
    {"id": "amount", "type": "number", "label": "Amount", "required": True, "indexed": True},
    {"id": "region", "type": "text", "label": "Region"},
    {"id": "status", "type": "dropdown", "label": "Status", "options": ["open", "paid", "void"]},
]
# amount is uniform in 0..99999.99: the indexed filter selects about 0.1% (1,000 rows).
INDEXED_WHERE = {"and": [{">=": [{"var": "amount"}, 50000]}, {"<": [{"var": "amount"}, 50100]}]}
INDEXED_SQL = "(data->>'amount')::numeric >= 50000 AND (data->>'amount')::numeric < 50100"
# region takes 1,000 values: the unindexed filter selects about 0.1% too.
UNINDEXED_WHERE = {"==": [{"var": "region"}, "r-517"]}
UNINDEXED_SQL = "(data->>'region') = 'r-517'"


async def fresh_database() -> sa.URL:
    await asyncio.to_thread(create, DATABASE)
    url = make_url(SERVER).set(database=DATABASE)
    await asyncio.to_thread(upgrade, url)
    return url


async def fill(engine: Any, company_id: str, table_id: str, count: int) -> float:
    """Load `count` records with one INSERT ... SELECT (setup, not the measured path)."""
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                """
                INSERT INTO custom_table_records
                       (id, company_id, table_id, data, created_at, updated_at)
                SELECT gen_random_uuid()::text, :company, :table,
                       jsonb_build_object(
                         'ref', 'R-' || g,
                         'amount', round((random() * 99999.99)::numeric, 2),
                         'region', 'r-' || (g % 1000),
                         'status', (ARRAY['open','paid','void'])[1 + g % 3]),
                       now(), now()
                FROM generate_series(1, :count) AS g
                """
            ),
            {"company": company_id, "table": table_id, "count": count},
        )
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE custom_table_records")
    return time.perf_counter() - started


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float, Any]:
    """(median ms, p95 ms, last result) of `repeat` runs after two warm-up runs."""
    for _ in range(2):
        result = await fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], result


async def measure_lists(
    sessions: Any, engine: Any, company_id: str, table_id: str, repeat: int
) -> list[dict[str, Any]]:
    rows = []
    for label, where, sql_filter, order, sql_order in (
        (
            "indexed (amount range, sort amount)",
            INDEXED_WHERE,
            INDEXED_SQL,
            ["amount"],
            "(data->>'amount')::numeric",
        ),
        (
            "unindexed (region ==, sort amount desc)",
            UNINDEXED_WHERE,
            UNINDEXED_SQL,
            ["-amount"],
            "(data->>'amount')::numeric DESC",
        ),
    ):

        async def service(where: Any = where, order: list[str] = order) -> Any:
            async with transaction(sessions, company_id=company_id) as s:
                page = await list_records(
                    s,
                    company_id=company_id,
                    table_id=table_id,
                    principal=_reader(company_id),
                    where=where,
                    sort=order,
                    limit=50,
                    offset=100,
                )
                return page.total, len(page.items)

        raw_where = f"table_id = '{table_id}' AND deleted_at IS NULL AND {sql_filter}"

        async def raw(raw_where: str = raw_where, sql_order: str = sql_order) -> Any:
            async with engine.connect() as conn:
                total = (
                    await conn.exec_driver_sql(
                        f"SELECT count(*) FROM custom_table_records WHERE {raw_where}"
                    )
                ).scalar()
                items = (
                    await conn.exec_driver_sql(
                        f"SELECT id, data FROM custom_table_records WHERE {raw_where} "
                        f"ORDER BY {sql_order} NULLS LAST, id LIMIT 50 OFFSET 100"
                    )
                ).all()
                return total, len(items)

        ours = await timed(service, repeat)
        baseline = await timed(raw, repeat)
        assert ours[2] == baseline[2], (ours[2], baseline[2])
        rows.append(
            {
                "query": label,
                "matches": ours[2][0],
                "service_ms": ours[:2],
                "raw_sql_ms": baseline[:2],
            }
        )
    return rows


def rows_for_insert(n: int, offset: int) -> list[dict[str, Any]]:
    return [
        {
            "ref": f"B-{offset + i}",
            "amount": round((offset + i) * 0.37 % 100000, 2),
            "region": f"r-{i % 1000}",
            "status": "open",
        }
        for i in range(n)
    ]


RAW_RECORD = (
    "INSERT INTO custom_table_records"
    " (id, company_id, table_id, data, created_by, updated_by, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4::jsonb, NULL, NULL, now(), now())"
)
RAW_EVENT = (
    "INSERT INTO event_outbox (id, company_id, event_type, payload, table_id, chain_depth,"
    " created_at) VALUES ($1, $2, 'DATABASE_ROW_CREATED', $3::jsonb, $4, 0, now())"
)


async def measure_bulk(
    sessions: Any, engine: Any, company_id: str, table_id: str, batches: int
) -> dict[str, Any]:
    """Both sides write the same rows and the same outbox events, 1,000 per transaction; the
    service also validates every row against the schema."""

    async def ours(offset: int) -> None:
        async with transaction(sessions, company_id=company_id) as s:
            await bulk_create_records(
                s,
                company_id=company_id,
                table_id=table_id,
                rows=rows_for_insert(1000, offset),
                principal=_reader(company_id),
            )

    async def raw(offset: int) -> None:
        records, events = [], []
        for row in rows_for_insert(1000, offset):
            rid = str(uuid.uuid4())
            records.append((rid, company_id, table_id, json.dumps(row)))
            payload = {"tableId": table_id, "tableName": "orders", "recordId": rid, "data": row}
            events.append((str(uuid.uuid4()), company_id, json.dumps(payload), table_id))
        async with engine.begin() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            await driver.executemany(RAW_RECORD, records)
            await driver.executemany(RAW_EVENT, events)

    await ours(90_000_000)  # warm-up: first compilation of the statements
    await raw(91_000_000)
    rates = {}
    for name, fn, base in (("service", ours, 20_000_000), ("raw", raw, 30_000_000)):
        started = time.perf_counter()
        for b in range(batches):
            await fn(base + b * 1000)
        rates[name] = batches * 1000 / (time.perf_counter() - started)
    return {
        "service_rows_per_s": rates["service"],
        "raw_rows_per_s": rates["raw"],
        "ratio": rates["service"] / rates["raw"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--batches", type=int, default=10, help="bulk inserts of 1,000 rows")
    args = parser.parse_args()

    install_tenant_scoping()
    url = await fresh_database()
    engine = create_engine(url)
    sessions = session_factory(engine)
    company = (await empty_company(sessions, "Bench")).company
    async with transaction(sessions) as s:
        table = await create_table(
            s, company_id=company.id, name="orders", display_name="Orders", schema=SCHEMA
        )
        company_id, table_id = company.id, table.id
    print(f"loading {args.records:,} records ...", flush=True)
    seconds = await fill(engine, company_id, table_id, args.records)
    print(f"loaded in {seconds:.1f} s (INSERT ... SELECT, setup only)\n")

    print(f"list: page of 50 at offset 100, with the total; median / p95 of {args.repeat} runs")
    for row in await measure_lists(sessions, engine, company_id, table_id, args.repeat):
        (sm, sp), (rm, rp) = row["service_ms"], row["raw_sql_ms"]
        print(
            f"  {row['query']:<42} matches {row['matches']:>6,}  "
            f"list_records {sm:8.1f} / {sp:8.1f} ms   raw SQL {rm:8.1f} / {rp:8.1f} ms"
        )
    bulk = await measure_bulk(sessions, engine, company_id, table_id, args.batches)
    print(
        f"\nbulk insert, {args.batches} x 1,000 rows into the {args.records:,}-row table:\n"
        f"  bulk_create_records {bulk['service_rows_per_s']:9,.0f} rows/s "
        f"(validated, one outbox event per row)\n"
        f"  raw executemany     {bulk['raw_rows_per_s']:9,.0f} rows/s (same rows and events)\n"
        f"  ratio               {bulk['ratio']:9.0%}"
    )
    await engine.dispose()


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        asyncio.run(main())
