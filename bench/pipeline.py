"""Benchmark of the scaled trigger pipeline: signed webhook deliveries through the API ->
outbox -> relay -> Redis -> one Celery worker -> a trigger with a condition and a no-op
action -> committed TriggerExecution.

Reports events/second end to end (burst), then p50/p99 latency from the API call to the
committed execution at a steady rate (half the burst rate unless --rate is given), after one
second at that rate that is not counted.

    .venv/bin/python bench/pipeline.py --events 3000 --seconds 10 [--api-workers 2]

Needs PostgreSQL (ERP_BENCH_PG, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
and Redis (ERP_BENCH_REDIS, default redis://127.0.0.1:6379/0); it creates and drops its own
database `erp_bench`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import create, dropped_at_end, run_database
from core.database import create_engine, session_factory, transaction
from core.events import record_event
from core.migrate import upgrade
from core.models import EventType, OutboxEvent, Trigger, TriggerExecution
from core.models.automation import TriggerRun
from core.settings import load_settings
from core.vault import install_secret_box
from core.webhooks import create_endpoint, sign_delivery
from tests.world.tenants import empty_company

PG = os.environ.get("ERP_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("ERP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
DATABASE = run_database("pipeline")
BIN = Path(sys.executable).parent


def start(
    argv: list[str], env: dict[str, str], ready: str, log: Path, times: int = 1
) -> subprocess.Popen[bytes]:
    """Start a process; wait until its log says `ready` (`times` times: once per child)."""
    out = log.open("ab")
    proc = subprocess.Popen(
        argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while log.read_text(errors="replace").count(ready) < times:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{argv[1]} did not start; see {log}")
        time.sleep(0.2)
    return proc


async def seed(url: str) -> tuple[str, str, str, str]:
    engine = create_engine(make_url(url))
    sessions = session_factory(engine)
    company = (await empty_company(sessions, "Bench Corp")).company
    async with transaction(sessions) as session:
        trigger = Trigger(
            company_id=company.id,
            name="bench",
            event_type=EventType.WEBHOOK_RECEIVED,
            conditions={
                "operator": "AND",
                "rules": [{"field": "data.amount", "operator": "greater_than", "value": 10}],
            },
            actions=[{"type": "noop"}],
        )
        session.add(trigger)
        await session.flush()
        created = await create_endpoint(
            session, company_id=company.id, trigger_id=trigger.id, public_url="http://x"
        )
    await engine.dispose()
    return created.endpoint.id, created.secret, company.id, trigger.id


async def count_executions(sessions, since: datetime) -> int:  # type: ignore[no-untyped-def]
    """Executions recorded since `since`: an index range, not the whole table (counting the
    table every few milliseconds cost PostgreSQL a tenth of a core by the end of a run)."""
    async with sessions() as session:
        return int(
            await session.scalar(
                sa.select(sa.func.count())
                .select_from(TriggerExecution)
                .where(TriggerExecution.executed_at >= since)
            )
        )


class Source:
    """Where events come from: signed webhook deliveries through the API (`api`), or the
    core service writing outbox rows directly (`direct`, to see the pipeline alone)."""

    def __init__(
        self, kind: str, base: str, path: str, secret: str, company: str, trigger: str, sessions
    ) -> None:  # type: ignore[no-untyped-def]
        self.kind, self.base, self.path, self.secret = kind, base, path, secret
        self.company, self.trigger, self.sessions = company, trigger, sessions

    async def emit(self, client: aiohttp.ClientSession, numbers: list[int], run: str) -> None:
        if self.kind == "api":
            for number in numbers:
                await send(client, self.path, self.secret, number, run)
            return
        async with transaction(self.sessions) as session:
            for number in numbers:
                record_event(
                    session,
                    EventType.WEBHOOK_RECEIVED,
                    company_id=self.company,
                    payload={
                        "data": {
                            "amount": 100,
                            "n": number,
                            "run": run,
                            "sentAt": datetime.now(UTC).isoformat(),
                        }
                    },
                    trigger_id=self.trigger,
                )


async def send(
    client: aiohttp.ClientSession, path: str, secret: str, number: int, run: str
) -> None:
    sent = datetime.now(UTC)
    body = json.dumps({"amount": 100, "n": number, "run": run, "sentAt": sent.isoformat()}).encode()
    headers = sign_delivery(secret, f"{run}-{number}", body, sent)
    headers["Content-Type"] = "application/json"
    async with client.post(path, data=body, headers=headers) as response:
        if response.status != 202:
            raise SystemExit(f"delivery refused: {response.status} {await response.text()}")


def client_for(source: Source) -> aiohttp.ClientSession:
    """The load generator's HTTP client: aiohttp, whose C parser leaves the CPU to the
    platform (httpx cost the sender about as much CPU as the API spent receiving)."""
    return aiohttp.ClientSession(source.base, timeout=aiohttp.ClientTimeout(total=30))


async def wait_for_executions(sessions, since: datetime, count: int) -> None:  # type: ignore[no-untyped-def]
    while True:
        if await count_executions(sessions, since) >= count:
            return
        await asyncio.sleep(0.05)


async def burst(source: Source, sessions, events: int, inflight: int, run: str) -> float:  # type: ignore[no-untyped-def]
    """Send `events` as fast as `inflight` concurrent requests allow; events/s end to end."""
    since = datetime.now(UTC)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(events):
        queue.put_nowait(n)
    started = time.perf_counter()
    async with client_for(source) as client:

        async def sender() -> None:
            while not queue.empty():
                await source.emit(client, [queue.get_nowait()], run)

        await asyncio.gather(*(sender() for _ in range(inflight)))
    sent_in = time.perf_counter() - started
    await wait_for_executions(sessions, since, events)
    elapsed = time.perf_counter() - started
    print(f"burst: {events} events sent in {sent_in:.2f}s, all executed in {elapsed:.2f}s")
    return events / elapsed


STAGES = ("API", "outbox to relay", "relay to worker", "worker")
"""Where an event's latency goes: from the call to its outbox row, from there to the relay's
hand-over, from there to the worker claiming its run, from there to the execution."""


async def steady(source: Source, sessions, rate: float, seconds: float) -> list[list[float]]:  # type: ignore[no-untyped-def]
    """Send at `rate` events/s for `seconds`; per event, its latency (ms) from call to
    committed execution, then the time it spent in each of STAGES."""
    run = f"steady-{int(time.time())}"
    total = int(rate * seconds)
    since = datetime.now(UTC)
    async with client_for(source) as client:
        started = time.perf_counter()
        pending = []
        for n in range(total):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(source.emit(client, [n], run)))
        await asyncio.gather(*pending)
    await wait_for_executions(sessions, since, total)
    async with sessions() as session:
        rows = await session.execute(
            sa.select(
                TriggerExecution.event_data,
                OutboxEvent.created_at,
                OutboxEvent.dispatched_at,
                TriggerRun.created_at,
                TriggerExecution.executed_at,
            )
            .join(TriggerRun, TriggerRun.execution_id == TriggerExecution.id)
            .join(OutboxEvent, OutboxEvent.id == TriggerRun.event_id)
            .where(TriggerExecution.event_data["data"]["run"].as_string() == run)
        )
        timings = []
        for data, *moments in rows.all():
            sent = datetime.fromisoformat(data["data"]["sentAt"])
            marks = [sent, *moments]
            timings.append(
                [(marks[-1] - sent).total_seconds() * 1000]
                + [(b - a).total_seconds() * 1000 for a, b in pairwise(marks)]
            )
        return timings


async def analyze(sessions) -> None:  # type: ignore[no-untyped-def]
    """Refresh the planner's statistics, as autovacuum does on a live system: the tables start
    empty, and on statistics that still say so PostgreSQL may choose the company index for
    lookups by id, whose cost grows with the table."""
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await session.execute(sa.text("ANALYZE"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(args: argparse.Namespace, url: str, seeded: tuple[str, str, str, str]) -> None:
    engine = create_engine(make_url(url), pool_size=args.inflight)
    sessions = session_factory(engine)
    endpoint_id, secret, company, trigger = seeded
    source = Source(
        args.source,
        f"http://127.0.0.1:{args.port}",
        f"/webhooks/{endpoint_id}",
        secret,
        company,
        trigger,
        sessions,
    )
    print(f"events from: {args.source}")
    await burst(source, sessions, 200, args.inflight, "warm-up")
    await analyze(sessions)
    rate = await burst(source, sessions, args.events, args.inflight, "burst")
    await analyze(sessions)
    print(f"throughput: {rate:.0f} events/s end to end (target >= 500)")
    steady_rate = args.rate or rate / 2
    # A lead-in second at the steady rate, not counted: the switch from the burst (the
    # planner's fresh statistics, the load generator's new connections) showed as a few
    # hundred milliseconds of delay in the first quarter second of every run.
    await steady(source, sessions, steady_rate, 1.0)
    timings = await steady(source, sessions, steady_rate, args.seconds)
    latencies = [t[0] for t in timings]
    print(
        f"latency at {steady_rate:.0f} events/s over {len(latencies)} events: "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms "
        "(target p99 < 250 ms)"
    )
    for index, stage in enumerate(STAGES, start=1):
        spent = [t[index] for t in timings]
        print(
            f"  {stage}: p50 {statistics.median(spent):.1f} ms, "
            f"p99 {percentile(spent, 0.99):.1f} ms"
        )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--inflight", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    # Two API processes, as bench/api.py runs them: each holds half the in-flight requests,
    # within its connection pool (one process with 32 in flight overflowed its pool of 20,
    # opening and closing PostgreSQL connections all through the run).
    parser.add_argument("--api-workers", type=int, default=2, help="API processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--source", choices=["api", "direct"], default="api")
    args = parser.parse_args()

    create(DATABASE)
    url = make_url(PG).set(database=DATABASE).render_as_string(hide_password=False)
    upgrade(make_url(url))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS,
        "ERP_SECRET_KEY": "bench-secret-key-of-at-least-thirty-two-characters",
        "ERP_CELERY_QUEUE": f"erp-bench-{os.getpid()}",
        "ERP_LOG_LEVEL": "WARNING",
    }
    # The endpoint's signing secret is sealed with the keys the server will open it with.
    install_secret_box(load_settings(env))
    seeded = asyncio.run(seed(url))
    logs = Path(tempfile.mkdtemp(prefix="erp-bench-"))
    erp = str(BIN / "erp")
    procs = [
        start(
            [erp, "worker", f"--concurrency={args.concurrency}"],
            {**env, "ERP_LOG_LEVEL": "INFO"},
            "ready.",
            logs / "worker.log",
        ),
        start([erp, "relay"], env, "", logs / "relay.log"),
        start(
            [erp, "serve", "--port", str(args.port), "--workers", str(args.api_workers)],
            {**env, "ERP_LOG_LEVEL": "INFO"},
            "Application startup complete",
            logs / "api.log",
            times=args.api_workers,
        ),
    ]
    try:
        asyncio.run(measure(args, url, seeded))
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        print(f"process logs: {logs}")


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        main()
