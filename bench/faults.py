"""Fault run of the scaled stack: nothing accepted is lost, no database effect is doubled.

Starts the stack on a Redis server and a database of its own (no persistence, as in the
issue that asked for this run): `erp serve`, two `erp worker`s, `erp relay` and two
`erp scheduler --no-relay`. Sends a steady stream of signed webhook deliveries to a trigger
whose actions are `create_record` and `http_request` (to a receiver in this process), while a
SCHEDULED trigger fires every second (`create_record` too). During the stream it SIGKILLs a
worker, the relay, a scheduler and the other worker (each restarted a few seconds later),
and stops Redis and starts it again empty. Then it waits for the backlog to drain and prints
deliveries accepted, executions, lost, doubled effects per action kind, repeated HTTP calls
(and whether each kept its idempotency key), and how long recovery took after each fault.

    .venv/bin/python bench/faults.py --rate 50 --seconds 80

The platform runs with its default bounds (ERP_RELAY_REDELIVER_SECONDS, lease, stale
sweeps), which are what the recovery figures measure. Needs PostgreSQL (ERP_BENCH_PG,
default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres) and `redis-server` on the
PATH; creates and drops the database `erp_faults`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import create, dropped_at_end, run_database
from core.database import create_engine, session_factory, transaction
from core.migrate import upgrade
from core.models import (
    CustomTableRecord,
    EventType,
    Trigger,
    TriggerExecution,
    TriggerExecutionStatus,
)
from core.models.automation import ScheduleSlot, TriggerRun
from core.records import create_table
from core.settings import load_settings
from core.vault import install_secret_box
from core.webhooks import create_endpoint, sign_delivery
from tests.world.tenants import empty_company

PG = os.environ.get("ERP_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
DATABASE = run_database("faults")
BIN = Path(sys.executable).parent
DRAIN_LIMIT = 300.0
"""Seconds the run waits for the backlog after the stream; what is still missing is lost."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A process of the stack, in its own process group (killed whole, as a machine dies)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], ready: str, logs: Path):
        self.name, self.argv, self.env, self.ready = name, argv, env, ready
        self.log = logs / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, times: int = 1) -> None:
        seen = self.log.read_text(errors="replace").count(self.ready) if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while self.log.read_text(errors="replace").count(self.ready) < seen + times:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.name} did not start; see {self.log}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class _Listener(ThreadingHTTPServer):
    # The backlog drains in bursts after each fault: the default listen queue (5) overflowed
    # and one call of a run failed with a reset connection (ReadError).
    request_queue_size = 1024


class Receiver:
    """The HTTP API the trigger calls: records (event, Idempotency-Key) per request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.calls.append(
                    (str(body.get("event")), self.headers.get("idempotency-key", ""))
                )
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Listener(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Seeded:
    path: str
    secret: str
    webhook_trigger: str
    schedule_trigger: str
    table_id: str


async def seed(url: str, receiver_url: str) -> Seeded:
    engine = create_engine(make_url(url))
    sessions = session_factory(engine)
    company_id = (await empty_company(sessions, "Faults Corp")).company_id
    async with transaction(sessions, company_id=company_id) as session:
        table = await create_table(
            session,
            company_id=company_id,
            name="ledger",
            display_name="Ledger",
            schema=[{"id": "key", "type": "text", "label": "Key", "required": True}],
        )
        table_id = table.id
    write = {
        "type": "create_record",
        "config": {"tableId": table_id, "data": {"key": "{{ event.id }}"}},
    }
    async with transaction(sessions) as session:
        webhook = Trigger(
            company_id=company_id,
            name="delivery",
            event_type=EventType.WEBHOOK_RECEIVED,
            # As a user calling an API that deduplicates would: a failed call is made again,
            # under the same Idempotency-Key.
            settings={"retries": 3, "retryBackoffSeconds": 1},
            actions=[
                write,
                {
                    "type": "http_request",
                    "config": {"url": receiver_url, "body": {"event": "{{ event.id }}"}},
                },
            ],
        )
        ticking = Trigger(
            company_id=company_id,
            name="every second",
            event_type=EventType.SCHEDULED,
            event_config={"interval": {"seconds": 1}},
            actions=[write],
        )
        session.add_all([webhook, ticking])
        await session.flush()
        created = await create_endpoint(
            session, company_id=company_id, trigger_id=webhook.id, public_url="http://x"
        )
        seeded = Seeded(
            f"/webhooks/{created.endpoint.id}", created.secret, webhook.id, ticking.id, table_id
        )
    await engine.dispose()
    return seeded


@dataclass
class Fault:
    name: str
    at: datetime
    """When the fault struck (for Redis: when it came back empty)."""


@dataclass
class Stream:
    accepted: dict[int, datetime] = field(default_factory=dict)
    refused: int = 0


async def stream(base: str, seeded: Seeded, rate: float, seconds: float, sent: Stream) -> None:
    """Deliveries at `rate` per second for `seconds`; each accepted one (202) is counted."""
    async with aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def deliver(n: int) -> None:
            now = datetime.now(UTC)
            body = json.dumps({"n": n, "sentAt": now.isoformat()}).encode()
            headers = sign_delivery(seeded.secret, f"fault-{n}", body, now)
            headers["Content-Type"] = "application/json"
            try:
                async with client.post(seeded.path, data=body, headers=headers) as response:
                    if response.status == 202:
                        sent.accepted[n] = now
                    else:
                        sent.refused += 1
            except aiohttp.ClientError:
                sent.refused += 1

        started = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(deliver(n)))
        await asyncio.gather(*tasks)


async def faults(procs: dict[str, Proc], redis: Proc, seconds: float, log: list[Fault]) -> None:
    """The fault schedule, as shares of the stream's length."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def at(share: float) -> None:
        await asyncio.sleep(max(0.0, started + share * seconds - loop.time()))

    async def kill(name: str, down: float) -> None:
        log.append(Fault(f"SIGKILL {name}", datetime.now(UTC)))
        procs[name].kill()
        await asyncio.sleep(down)
        await asyncio.to_thread(procs[name].start)

    await at(0.12)
    await kill("worker-1", 3)
    await at(0.25)
    await kill("relay", 2)
    await at(0.37)
    await kill("scheduler-a", 2)
    await at(0.5)
    redis.kill()  # no persistence: it comes back empty
    await asyncio.sleep(0.12 * seconds)
    await asyncio.to_thread(redis.start)
    log.append(Fault(f"Redis down {0.12 * seconds:.0f}s, restarted empty", datetime.now(UTC)))
    await at(0.8)
    await kill("worker-2", 3)


@dataclass
class Outcome:
    executions: int
    executed: dict[int, datetime]
    """Delivery number -> when its execution was recorded."""
    statuses: Counter[str]
    """Executions of the webhook trigger by status."""
    unfinished: dict[str, str]
    """Delivery number -> status and error of each webhook execution that did not succeed."""
    doubled_executions: int
    records_per_key: Counter[str]
    slots: int
    slots_run: int


async def outcome(url: str, seeded: Seeded) -> Outcome:
    engine = create_engine(make_url(url))
    sessions = session_factory(engine)
    async with sessions() as session:
        rows = (
            await session.execute(
                sa.select(
                    TriggerExecution.event_data,
                    TriggerExecution.executed_at,
                    TriggerExecution.status,
                    TriggerExecution.error_message,
                ).where(TriggerExecution.trigger_id == seeded.webhook_trigger)
            )
        ).all()
        per_event = Counter(
            (
                await session.scalars(
                    sa.select(TriggerRun.event_id).where(TriggerRun.execution_id.is_not(None))
                )
            ).all()
        )
        keys = Counter(
            (
                await session.scalars(
                    sa.select(CustomTableRecord.data["key"].as_string()).where(
                        CustomTableRecord.table_id == seeded.table_id
                    )
                )
            ).all()
        )
        slot_events = (
            await session.scalars(
                sa.select(ScheduleSlot.event_id).where(
                    ScheduleSlot.trigger_id == seeded.schedule_trigger
                )
            )
        ).all()
        total = await session.scalar(sa.select(sa.func.count()).select_from(TriggerExecution))
    await engine.dispose()
    executed: dict[int, datetime] = {}
    for data, at, _status, _error in rows:
        executed[int(data["data"]["n"])] = at
    return Outcome(
        executions=int(total or 0),
        executed=executed,
        statuses=Counter(str(status) for _data, _at, status, _error in rows),
        unfinished={
            str(data["data"]["n"]): f"{status}: {error}"
            for data, _at, status, error in rows
            if status != TriggerExecutionStatus.SUCCESS
        },
        doubled_executions=sum(c - 1 for c in per_event.values() if c > 1),
        records_per_key=keys,
        slots=len(slot_events),
        slots_run=sum(1 for e in slot_events if per_event.get(e)),
    )


async def drain(url: str, seeded: Seeded, sent: Stream) -> tuple[Outcome, float]:
    """Wait until every accepted delivery and every claimed slot has run (or the limit)."""
    started = time.monotonic()
    while True:
        result = await outcome(url, seeded)
        done = set(result.executed) >= set(sent.accepted) and result.slots_run == result.slots
        if done or time.monotonic() - started > DRAIN_LIMIT:
            return result, time.monotonic() - started
        await asyncio.sleep(1.0)


def recovery(fault: Fault, sent: Stream, executed: dict[int, datetime]) -> float | None:
    """Seconds from the fault until every delivery accepted before it had run (None when
    some never ran)."""
    before = [n for n, at in sent.accepted.items() if at < fault.at]
    if any(n not in executed for n in before):
        return None
    latest = max((executed[n] for n in before), default=fault.at)
    return max(0.0, (latest - fault.at).total_seconds())


def report(
    sent: Stream, result: Outcome, receiver: Receiver, log: list[Fault], drained: float
) -> None:
    lost = [n for n in sent.accepted if n not in result.executed]
    print(f"deliveries accepted: {len(sent.accepted)} (refused or failed: {sent.refused})")
    print(
        f"executions: {result.executions} ({len(result.executed)} of the deliveries, "
        f"{result.slots_run} of {result.slots} claimed schedule slots)"
    )
    print(f"lost: {len(lost)} deliveries, {result.slots - result.slots_run} schedule slots")
    print(
        "webhook executions by status: " + ", ".join(f"{k} {v}" for k, v in result.statuses.items())
    )
    for event, why in list(result.unfinished.items())[:10]:
        print(f"  delivery {event}: {why}")
    print(f"doubled executions: {result.doubled_executions}")
    doubled_records = sum(c - 1 for c in result.records_per_key.values() if c > 1)
    print(f"doubled effects: create_record {doubled_records}")
    calls: dict[str, list[str]] = defaultdict(list)
    for event, key in receiver.calls:
        calls[event].append(key)
    repeated = {e: keys for e, keys in calls.items() if len(keys) > 1}
    same_key = sum(1 for keys in repeated.values() if len(set(keys)) == 1)
    print(
        f"http_request: {len(receiver.calls)} calls for {len(calls)} events; "
        f"{len(repeated)} events called more than once "
        f"({sum(len(k) - 1 for k in repeated.values())} repeats), "
        f"{same_key} of them with the same Idempotency-Key every time"
    )
    succeeded = len(result.executed) - len(result.unfinished)
    print(f"http_request: {succeeded} successful executions, {len(calls)} events called")
    print("recovery (until every delivery accepted before the fault had run):")
    longest = 0.0
    for fault in log:
        took = recovery(fault, sent, result.executed)
        longest = max(longest, took or float("inf"))
        shown = "never (lost)" if took is None else f"{took:.1f}s"
        print(f"  {fault.at:%H:%M:%S} {fault.name}: {shown}")
    print(f"longest recovery: {longest:.1f}s; backlog drained {drained:.1f}s after the stream")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=80.0, help="length of the stream")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    create(DATABASE)
    url = make_url(PG).set(database=DATABASE).render_as_string(hide_password=False)
    upgrade(make_url(url))
    logs = Path(tempfile.mkdtemp(prefix="erp-faults-"))
    redis_port = free_port()
    redis = Proc(
        "redis",
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        dict(os.environ),
        "Ready to accept connections",
        logs,
    )  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ERP_SECRET_KEY": "faults-secret-key-of-at-least-thirty-two-characters",
        "ERP_CELERY_QUEUE": f"erp-faults-{os.getpid()}",
        "ERP_HTTP_ALLOW_PRIVATE": "true",
        "ERP_SCHEDULER_SYNC_SECONDS": "1",
        "ERP_LOG_LEVEL": "INFO",
    }
    install_secret_box(load_settings(env))
    receiver = Receiver()
    seeded = asyncio.run(seed(url, receiver.url))
    erp = str(BIN / "erp")
    procs = {
        "worker-1": Proc("worker-1", [erp, "worker", "-c", "1"], env, "ready.", logs),
        "worker-2": Proc("worker-2", [erp, "worker", "-c", "1"], env, "ready.", logs),
        "relay": Proc("relay", [erp, "relay"], env, "listening for hints on", logs),
        "scheduler-a": Proc(
            "scheduler-a", [erp, "scheduler", "--no-relay"], env, "scheduler ", logs
        ),
        "scheduler-b": Proc(
            "scheduler-b", [erp, "scheduler", "--no-relay"], env, "scheduler ", logs
        ),
    }
    api = Proc("api", [erp, "serve", "--port", str(args.port)], env, "startup complete", logs)
    redis.start()
    sent = Stream()
    log: list[Fault] = []
    try:
        for proc in [*procs.values(), api]:
            proc.start()

        async def run() -> tuple[Outcome, float]:
            await asyncio.gather(
                stream(f"http://127.0.0.1:{args.port}", seeded, args.rate, args.seconds, sent),
                faults(procs, redis, args.seconds, log),
            )
            # The schedule stops with the stream: what it claimed until then must run.
            for name in ("scheduler-a", "scheduler-b"):
                await asyncio.to_thread(procs[name].stop)
            return await drain(url, seeded, sent)

        started = time.monotonic()
        result, drained = asyncio.run(run())
        print(
            f"run: {args.seconds:.0f}s stream at {args.rate:.0f} deliveries/s, "
            f"{time.monotonic() - started:.0f}s in all"
        )
        report(sent, result, receiver, log, drained)
    finally:
        for proc in [api, *procs.values(), redis]:
            proc.stop()
        receiver.server.shutdown()
        print(f"process logs: {logs}")


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        main()
