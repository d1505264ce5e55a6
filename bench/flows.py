"""Flow benchmark: N employees at once push expenses through the seed's three-level flow
(employee submits, a manager approves, finance approves) on PostgreSQL.

Reports completed instances/second, level transitions/second (three per instance) and the
p50/p99 latency of a task execution, measured after a 5-second warm-up and an ANALYZE.
`--mode api` drives `erp serve` over HTTP on loopback (each step an authenticated POST,
audited, in its own transaction); `--mode core` calls the core service in-process, one
transaction per step, to show the engine's own ceiling.

Run: .venv/bin/python bench/flows.py [--mode api|core] [--employees 32] [--seconds 20]
     [--workers 2]
Needs PostgreSQL on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import create, dropped_at_end, run_database  # noqa: E402
from core.auth.tokens import issue_access_token  # noqa: E402
from core.database import create_engine, session_factory, transaction  # noqa: E402
from core.flows import (  # noqa: E402
    execute_task,
    start_flow,
)
from core.migrate import upgrade  # noqa: E402
from core.models import (  # noqa: E402
    User,
    UserRole,
)
from core.settings import parse_database_url  # noqa: E402
from core.tenancy import install_tenant_scoping  # noqa: E402
from tests.world.flows import add_expense_forms, published_flow  # noqa: E402
from tests.world.tenants import APPROVER, Person, Tenant, make_tenant  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = run_database("flows")
URL = parse_database_url(f"{SERVER}/{DATABASE}")
SECRET = "bench-secret-" + "x" * 40
MANAGERS, FINANCE = 4, 2
WARM_UP_SECONDS = 5


@dataclass
class World:
    """The bench company (the test world's expense company, with as many employees as the
    run asks for) and its published expense flow."""

    tenant: Tenant
    flow_id: str

    def people(self, kind: str) -> list[User]:
        return [u for name, u in self.tenant.users.items() if name.rstrip("0123456789") == kind]

    @property
    def employees(self) -> list[User]:
        return self.people("employee")

    @property
    def managers(self) -> list[User]:
        return self.people("manager")

    @property
    def finance(self) -> list[User]:
        return self.people("finance")


@dataclass
class Tally:
    instances: int = 0
    transitions: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def timed(self, started: float) -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)


async def prepare(employees: int) -> World:
    """A fresh migrated database with a company, its people, the two forms and the flow."""
    await asyncio.to_thread(create, DATABASE)
    await asyncio.to_thread(upgrade, URL)
    install_tenant_scoping()
    engine = create_engine(URL)
    sessions = session_factory(engine)

    def people(kind: str, count: int, role: UserRole, roles: tuple[str, ...]) -> list[Person]:
        return [
            Person(
                f"{kind}{n}",
                role,
                roles,
                email="{name}@bench.test",
                first_name=f"{kind.title()} {n}",
            )
            for n in range(count)
        ]

    tenant = await make_tenant(
        sessions,
        "Bench Co",
        role_users=(),
        people=[
            *people("employee", employees, UserRole.EMPLOYEE, ()),
            *people("manager", MANAGERS, UserRole.MANAGER, ("Manager",)),
            *people("finance", FINANCE, UserRole.MANAGER, ("Finance",)),
        ],
        roles={"Manager": APPROVER, "Finance": APPROVER},
        department=None,
        domain=None,
    )
    await add_expense_forms(
        sessions, tenant, creator="manager0", uploader="manager0", receipt_size=1000
    )
    flow_id = await published_flow(sessions, tenant, by="manager0")
    await engine.dispose()
    return World(tenant, flow_id)


def expense(world: World, n: int) -> dict[str, Any]:
    return {
        "field_1": f"Employee {n}",
        "field_2": 12000,
        "field_3": "Travel",
        "field_4": world.tenant.files["receipt"],
    }


Step = Callable[[int], Awaitable[None]]


async def drive(employees: int, seconds: float, one_expense: Step, tally: Tally) -> float:
    """Every employee submits expenses back to back until the time is up; seconds taken."""
    # A warm-up first, then ANALYZE, as autovacuum would have done on a live system: the
    # tables start empty, and on statistics that still say so PostgreSQL picks the company
    # index for every instance lookup, whose cost grows with the table all through the run.
    await drive_for(employees, WARM_UP_SECONDS, one_expense, Tally())
    analyzer = await asyncpg.connect(f"{SERVER}/{DATABASE}")
    await analyzer.execute("ANALYZE")
    await analyzer.close()
    return await drive_for(employees, seconds, one_expense, tally)


async def drive_for(employees: int, seconds: float, one_expense: Step, tally: Tally) -> float:
    stop = time.monotonic() + seconds

    async def employee(n: int) -> None:
        while time.monotonic() < stop:
            try:
                await one_expense(n)
            except Exception as exc:
                tally.errors += 1
                if tally.errors <= 3:
                    print(f"error: {exc!r}"[:300], file=sys.stderr)
                continue
            tally.instances += 1
            tally.transitions += 3

    started = time.monotonic()
    await asyncio.gather(*(employee(n) for n in range(employees)))
    return time.monotonic() - started


async def run_core(world: World, employees: int, seconds: float) -> tuple[Tally, float]:
    install_tenant_scoping()
    engine = create_engine(URL, pool_size=employees, max_overflow=0)
    sessions = session_factory(engine)
    tally = Tally()

    async def call(work: Callable[..., Awaitable[Any]], **kw: Any) -> Any:
        async with transaction(sessions, company_id=world.tenant.company_id) as session:
            return await work(session, company_id=world.tenant.company_id, **kw)

    async def one_expense(n: int) -> None:
        employee = world.employees[n]
        instance = await call(start_flow, flow_id=world.flow_id, initiator_id=employee.id)
        steps = [
            (employee.id, world.tenant.tasks["expense"], expense(world, n), 1),
            (
                world.managers[n % MANAGERS].id,
                world.tenant.tasks["review"],
                {"decision": "Approved"},
                2,
            ),
            (
                world.finance[n % FINANCE].id,
                world.tenant.tasks["review"],
                {"decision": "Approved"},
                3,
            ),
        ]
        for user_id, task_id, data, level in steps:
            started = time.perf_counter()
            await call(
                execute_task,
                instance_id=instance.id,
                task_id=task_id,
                user_id=user_id,
                data=data,
                expected_level=level,
            )
            tally.timed(started)

    elapsed = await drive(employees, seconds, one_expense, tally)
    await engine.dispose()
    return tally, elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}",
        # The API processes do API work only, as in scaled mode: the events wait in the
        # outbox for `erp relay` (not run here) instead of an in-process pipeline.
        "ERP_IN_PROCESS_AUTOMATION": "false",
        "ERP_SECRET_KEY": SECRET,
        "ERP_LOG_LEVEL": "WARNING",
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


async def run_api(
    world: World, employees: int, seconds: float, workers: int
) -> tuple[Tally, float]:
    port = free_port()
    server = start_server(port, workers)
    ttl = timedelta(hours=1)

    tokens: dict[str, dict[str, str]] = {}

    def auth(user: User) -> dict[str, str]:
        # A client keeps its access token for its lifetime, as a browser session does.
        if user.id not in tokens:
            tokens[user.id] = {"Authorization": f"Bearer {issue_access_token(user, SECRET, ttl)}"}
        return tokens[user.id]

    tally = Tally()
    # aiohttp as the load generator: its C parser leaves the CPU to the server (httpx, in
    # the same process as 32 employees, took as much CPU as both API processes together).
    connector = aiohttp.TCPConnector(limit=employees)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}",
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=30),
    ) as client:

        async def post(path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
            async with client.post(path, json=body, headers=headers) as response:
                if response.status >= 300:
                    text = await response.text()
                    raise RuntimeError(f"{path}: {response.status} {text[:200]}")
                return await response.json()

        async def one_expense(n: int) -> None:
            employee = auth(world.employees[n])
            instance = await post(f"/flows/{world.flow_id}/instances", employee, {})
            base = f"/flow-instances/{instance['id']}/tasks"
            steps = [
                (employee, world.tenant.tasks["expense"], expense(world, n), 1),
                (
                    auth(world.managers[n % MANAGERS]),
                    world.tenant.tasks["review"],
                    {"Decision": "Approved"},
                    2,
                ),
                (
                    auth(world.finance[n % FINANCE]),
                    world.tenant.tasks["review"],
                    {"Decision": "Approved"},
                    3,
                ),
            ]
            for headers, task_id, data, level in steps:
                started = time.perf_counter()
                await post(f"{base}/{task_id}", headers, {"data": data, "levelOrder": level})
                tally.timed(started)

        try:
            elapsed = await drive(employees, seconds, one_expense, tally)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return tally, elapsed


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("api", "core"), default="api")
    parser.add_argument("--employees", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="API processes (api mode)")
    args = parser.parse_args()

    world = await prepare(args.employees)
    load_before = os.getloadavg()[0]
    if args.mode == "api":
        tally, elapsed = await run_api(world, args.employees, args.seconds, args.workers)
    else:
        tally, elapsed = await run_core(world, args.employees, args.seconds)
    where = f"HTTP, {args.workers} API processes" if args.mode == "api" else "core, in-process"
    print(f"flows benchmark ({where}), {args.employees} employees, {elapsed:.1f} s")
    print(f"  completed instances/s : {tally.instances / elapsed:8.1f}  ({tally.instances} total)")
    print(f"  level transitions/s   : {tally.transitions / elapsed:8.1f}  (target >= 200)")
    print(f"  task execution p50    : {percentile(tally.latencies, 50):8.1f} ms")
    print(f"  task execution p99    : {percentile(tally.latencies, 99):8.1f} ms")
    print(f"  errors                : {tally.errors:8d}")
    # The figures mean little on a busy machine; say how busy it was.
    print(f"  load average (1 min)  : {load_before:8.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        asyncio.run(main())
