"""API benchmark: `erp serve` on PostgreSQL under wrk (32 connections on loopback), against
the ceiling of the same writes done with raw asyncpg and no HTTP, and against the stack's floor
(bench/api_floor.py: Litestar and raw asyncpg with nothing else, the least an API can do).

Measures creates/second and p50/p99 of POST /tables/{id}/records (JSON body validated against
the table's schema, written with its audit row and outbox event in one transaction), the same
for a paginated record list, and raw asyncpg inserting the same three rows (three statements
in a transaction, and one combined statement as the API issues them; the better is the ceiling).

Run: .venv/bin/python bench/api.py [--seconds 10] [--connections 32] [--workers 2]
Needs wrk (Debian: apt-get install wrk) and PostgreSQL on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import create, dropped_at_end, run_database  # noqa: E402
from core.auth.tokens import issue_access_token  # noqa: E402
from core.database import create_engine, session_factory  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.models import User, UserRole  # noqa: E402
from core.settings import parse_database_url  # noqa: E402
from tests.world.tenants import make_tenant  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = run_database("api")
SECRET = "bench-secret-" + "x" * 40
SCHEMA = [
    {
        "id": "name",
        "type": "text",
        "label": "Name",
        "required": True,
        "validation": {"maxLength": 100},
    },
    {"id": "amount", "type": "number", "label": "Amount", "validation": {"min": 0}},
    {
        "id": "category",
        "type": "dropdown",
        "label": "Category",
        "options": ["Travel", "Office Supplies", "Equipment"],
    },
]
RECORD = {"data": {"name": "Ada Lovelace", "amount": 1234.5, "category": "Travel"}}


async def prepare_database() -> tuple[str, str, str]:
    """Fresh database, migrated; a company, its admin and a custom table. Returns
    (company id, admin id, table id)."""
    await asyncio.to_thread(create, DATABASE)
    await asyncio.to_thread(upgrade, parse_database_url(f"{SERVER}/{DATABASE}"))
    engine = create_engine(parse_database_url(f"{SERVER}/{DATABASE}"))
    tenant = await make_tenant(
        session_factory(engine), "Bench", role_users=[UserRole.ADMIN], roles={}, department=None
    )
    await engine.dispose()
    company, user = tenant.company_id, tenant.users[UserRole.ADMIN].id
    table = str(uuid.uuid4())
    conn = await asyncpg.connect(f"{SERVER}/{DATABASE}")
    await conn.execute(
        "INSERT INTO custom_tables (id, name, display_name, schema, company_id) "
        "VALUES ($1, 'expenses', 'Expenses', $2::jsonb, $3)",
        table,
        json.dumps(SCHEMA),
        company,
    )
    await conn.close()
    return company, user, table


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, files: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}",
        # The API processes do API work only, as in scaled mode: the events wait in the
        # outbox for `erp relay` (not run here) instead of an in-process pipeline.
        "ERP_IN_PROCESS_AUTOMATION": "false",
        "ERP_SECRET_KEY": SECRET,
        "ERP_LOG_LEVEL": "WARNING",
        "ERP_FILES_DIR": files,
    }
    erp = str(Path(sys.executable).with_name("erp"))
    proc = subprocess.Popen(
        [erp, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("erp serve did not start")


def start_floor(port: int, workers: int, user: str) -> subprocess.Popen[bytes]:
    """The stack's floor (bench/api_floor.py) under uvicorn, as `erp serve` runs it."""
    env = os.environ | {
        "BENCH_FLOOR_DSN": f"{SERVER}/{DATABASE}",
        "BENCH_FLOOR_USER": user,
        "PYTHONPATH": str(ROOT),
    }
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    proc = subprocess.Popen(
        [
            uvicorn,
            "bench.api_floor:app",
            *("--port", str(port), "--workers", str(workers), "--loop", "uvloop"),
            *("--http", "httptools", "--no-access-log", "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the floor app did not start")


def wrk(url: str, token: str, seconds: int, connections: int, body: dict | None) -> dict:
    """Run wrk; return requests/s, p50 and p99 in ms, and the non-2xx count."""
    method = "POST" if body is not None else "GET"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            f'wrk.method = "{method}"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            + (f"wrk.body = {json.dumps(json.dumps(body))}\n" if body is not None else "")
        )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


COMBINED = (
    "WITH r AS (INSERT INTO custom_table_records (id, table_id, data, created_by, updated_by, "
    "company_id) VALUES ($1, $2, $3::jsonb, $4, $4, $5)), "
    "a AS (INSERT INTO audit_logs (id, user_id, company_id, action, entity, entity_id, changes) "
    "VALUES ($6, $4, $5, 'record.created', 'CustomTableRecord', $1, $7::jsonb)) "
    "INSERT INTO event_outbox (id, event_type, payload, table_id, company_id) "
    "VALUES ($8, 'DATABASE_ROW_CREATED', $3::jsonb, $2, $5)"
)
"""The three rows in one statement, as the API writes them on PostgreSQL."""


async def raw_ceiling(
    company: str, user: str, table: str, seconds: int, connections: int, mode: str
) -> dict:
    """The same writes with asyncpg alone, `connections` writers at once. `mode`: "record"
    (the record row only), "full" (record, audit row and outbox event: three statements in
    a transaction) or "combined" (the three rows in one statement, no explicit
    transaction)."""
    pool = await asyncpg.create_pool(
        f"{SERVER}/{DATABASE}", min_size=connections, max_size=connections
    )
    data = json.dumps(RECORD["data"])
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def writer() -> None:
        async with pool.acquire() as conn:
            while time.monotonic() < stop:
                started = time.perf_counter()
                record = str(uuid.uuid4())
                if mode == "combined":
                    await conn.execute(
                        COMBINED,
                        record,
                        table,
                        data,
                        user,
                        company,
                        str(uuid.uuid4()),
                        json.dumps({"after": data}),
                        str(uuid.uuid4()),
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    continue
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO custom_table_records (id, table_id, data, created_by, "
                        "updated_by, company_id) VALUES ($1, $2, $3::jsonb, $4, $4, $5)",
                        record,
                        table,
                        data,
                        user,
                        company,
                    )
                    if mode == "full":
                        await conn.execute(
                            "INSERT INTO audit_logs (id, user_id, company_id, action, entity, "
                            "entity_id, changes) VALUES ($1, $2, $3, 'record.created', "
                            "'CustomTableRecord', $4, $5::jsonb)",
                            str(uuid.uuid4()),
                            user,
                            company,
                            record,
                            json.dumps({"after": data}),
                        )
                        await conn.execute(
                            "INSERT INTO event_outbox (id, event_type, payload, table_id, "
                            "company_id) VALUES ($1, 'DATABASE_ROW_CREATED', $2::jsonb, $3, $4)",
                            str(uuid.uuid4()),
                            data,
                            table,
                            company,
                        )
                latencies.append((time.perf_counter() - started) * 1000)

    began = time.monotonic()
    await asyncio.gather(*(writer() for _ in range(connections)))
    elapsed = time.monotonic() - began
    await pool.close()
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    company, user_id, table = asyncio.run(prepare_database())
    admin = User(id=user_id, role=UserRole.ADMIN, company_id=company)
    token = issue_access_token(admin, SECRET, timedelta(hours=1))
    port = free_port()
    files = tempfile.mkdtemp()
    server = start_server(port, args.workers, files)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(f"{base}/tables/{table}/records", token, 2, args.connections, RECORD)  # warm-up
        create = wrk(
            f"{base}/tables/{table}/records", token, args.seconds, args.connections, RECORD
        )
        listing = wrk(
            f"{base}/tables/{table}/records?limit=20&offset=100",
            token,
            args.seconds,
            args.connections,
            None,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    floor_port = free_port()
    floor_server = start_floor(floor_port, args.workers, user_id)
    try:
        floor_url = f"http://127.0.0.1:{floor_port}/tables/{table}/records"
        wrk(floor_url, token, 2, args.connections, RECORD)  # warm-up
        floor = wrk(floor_url, token, args.seconds, args.connections, RECORD)
    finally:
        floor_server.terminate()
        floor_server.wait(timeout=10)
    raw = {
        mode: asyncio.run(
            raw_ceiling(company, user_id, table, args.seconds, args.connections, mode)
        )
        for mode in ("record", "full", "combined")
    }
    ceiling = max(raw["full"]["rps"], raw["combined"]["rps"])

    print(
        f"\nAPI benchmark: {args.connections} connections, {args.seconds} s each, "
        f"{args.workers} API worker process(es), PostgreSQL on loopback\n"
    )
    print(f"{'measurement':<52}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
    rows = [
        ("POST record via API (validated + audit + outbox)", create),
        ("GET record list via API (limit 20, with total)", listing),
        ("stack floor: Litestar + raw asyncpg, 2 round trips", floor),
        ("raw asyncpg: record insert only", raw["record"]),
        ("raw asyncpg: record + audit + outbox, 3 statements/tx", raw["full"]),
        ("raw asyncpg: record + audit + outbox, 1 statement", raw["combined"]),
    ]
    for name, r in rows:
        print(f"{name:<52}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>9}")
    print(
        "\nAPI creates / raw ceiling (same three rows, best of the two raw ways): "
        f"{create['rps'] / ceiling:.0%}"
    )
    print(f"API creates / raw record row only: {create['rps'] / raw['record']['rps']:.0%}")
    print(f"stack floor / raw ceiling (no auth, validation or ORM): {floor['rps'] / ceiling:.0%}")
    print(f"API creates / stack floor: {create['rps'] / floor['rps']:.0%}")
    print("target: >= 40% of the raw ceiling, p99 < 50 ms at 32 connections")


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        main()
