"""Real background processes of the test world: Celery workers, scheduler daemons and
`erp relay` started as subprocesses, a private redis-server, the relay in this process, and
the environment and settings they run with."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL

from core.database import transaction
from core.models import EventType
from core.settings import Settings, load_settings
from core.webhooks import create_endpoint, sign_delivery
from scheduler.celery_app import make_celery
from scheduler.dispatch import CeleryDispatcher
from scheduler.relay import run_relay
from tests.world.app import SECRET
from tests.world.automation import add_trigger
from tests.world.databases import worker_id
from tests.world.services import free_port
from tests.world.tenants import Sessions

VENV_BIN = Path(sys.executable).parent
SHARED_REDIS = "redis://127.0.0.1:6379/0"


def background_env(database_url: URL, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker, relay or scheduler process under test."""
    return {
        **os.environ,
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "REDIS_URL": redis_url,
        "ERP_SECRET_KEY": SECRET,
        "ERP_HTTP_ALLOW_PRIVATE": "true",
        "ERP_HTTP_RETRIES": "0",
        "ERP_SMTP_HOST": "127.0.0.1",
        # A queue of its own: other test sessions share the Redis server.
        "ERP_CELERY_QUEUE": f"erp-test-{worker_id()}-{os.getpid()}",
        "ERP_LOG_LEVEL": "INFO",
        **extra,
    }


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], ready: str | None = None) -> None:
        self.log = Path(tempfile.mkstemp(prefix="erp-test-", suffix=".log")[1])
        self.argv, self.env, self.ready = argv, env, ready
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, within: float = 30.0) -> Process:
        """Start it and wait until this run (not an earlier one in the same log) printed
        `ready`: a restarted process is not up because its first life was."""
        begins = self.log.stat().st_size
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + within
        while self.ready and self.ready not in self.output(since=begins):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.argv[0]} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        return self

    def output(self, since: int = 0) -> str:
        """What it printed, from byte `since` of its log."""
        return self.log.read_bytes()[since:].decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean shutdown, as when a machine dies."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def celery_worker(env: dict[str, str]) -> Process:
    return Process(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "scheduler.worker",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={env['ERP_CELERY_QUEUE']}",
        ],
        env,
        ready="ready.",
    )


class RedisServer(Process):
    """A private redis-server on a free loopback port (never the shared one)."""

    def __init__(self) -> None:
        self.port = free_port()
        super().__init__(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            dict(os.environ),
            ready="Ready to accept connections",
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@asynccontextmanager
async def relay(sessions: Sessions, settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """The outbox relay on this event loop, publishing to the settings' Redis."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_relay(sessions, CeleryDispatcher(make_celery(settings)), settings.automation, stop)
    )
    try:
        yield task
    finally:
        stop.set()
        await task


def relay_settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


def erp_relay(env: dict[str, str]) -> Process:
    """`erp relay` as a process of its own, ready once it listens for hints."""
    return Process([str(VENV_BIN / "erp"), "relay"], env, ready="listening for hints on")


async def webhook_endpoint(sessions: Sessions, company_id: str) -> tuple[str, str, str]:
    """A WEBHOOK_RECEIVED trigger and its endpoint: (trigger id, API path, secret)."""
    trigger_id = await add_trigger(sessions, company_id, event_type=EventType.WEBHOOK_RECEIVED)
    async with transaction(sessions) as session:
        created = await create_endpoint(
            session, company_id=company_id, trigger_id=trigger_id, public_url="http://x"
        )
    return trigger_id, f"/webhooks/{created.endpoint.id}", created.secret


async def post_delivery(
    client: AsyncTestClient[Any], path: str, secret: str, message_id: str
) -> None:
    body = json.dumps({"paid": True}).encode()
    signed = sign_delivery(secret, message_id, body, datetime.now(UTC))
    response = await client.post(path, content=body, headers=signed)
    assert response.status_code == 202, response.text


def pg_settings(database_url: URL, **env: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "ERP_SECRET_KEY": SECRET,
            "ERP_HTTP_ALLOW_PRIVATE": "true",
            "ERP_HTTP_RETRIES": "0",
            "ERP_SCHEDULER_SYNC_SECONDS": "0.3",
            "ERP_RELAY_BATCH_SIZE": "10",
            **env,
        }
    )
