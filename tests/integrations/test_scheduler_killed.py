"""A scheduler SIGKILLed while it hands a source workflow's item to its action: the item is
not lost and not handed over twice once finished. The next scheduler takes it over when the
killed one's claim is no longer renewed (ERP_INTEGRATION_LEASE_SECONDS), and the receiver
sees the repeated call under the same Idempotency-Key, so it can tell it is the same."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.models import IntegrationItem, IntegrationWorkflow
from tests.integrations.vendors import Answer, Seen, VendorServer
from tests.world.app import SECRET
from tests.world.integrations import SUPPLIER, supplier_mail_workflow
from tests.world.services import eventually

LEASE_SECONDS = 3


class HoldingReceiver(VendorServer):
    """Answers 200, except that the first request is held until `release` is set (the
    scheduler that sent it is killed meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def handle(self, seen: Seen) -> Answer:
        if len(self.seen) == 1:
            self.release.wait(60)
        return Answer(200, {"ok": True})


async def test_a_scheduler_killed_mid_item_leaves_it_to_the_next_which_finishes_it_once(
    sessions: Any, box: Any, acme: Any, google: Any, database_url: Any
) -> None:
    workflow, _table = await supplier_mail_workflow(sessions, box, acme, google)
    receiver = HoldingReceiver()
    with receiver:
        async with sessions() as session, session.begin():
            row = await session.get(IntegrationWorkflow, workflow)
            row.trigger_config = {**row.trigger_config, "intervalSeconds": 1}
            row.action_config = {
                "platformAction": "http_request",
                "config": {
                    "url": receiver.url + "/invoices",
                    "method": "POST",
                    "body": {"subject": "{{ subject }}", "message": "{{ id }}"},
                },
            }
        env = {
            **os.environ,
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "ERP_SECRET_KEY": SECRET,
            "ERP_HTTP_ALLOW_PRIVATE": "true",
            "ERP_INTEGRATION_POLL_SECONDS": "0.2",
            "ERP_INTEGRATION_LEASE_SECONDS": str(LEASE_SECONDS),
            "ERP_SCHEDULER_SYNC_SECONDS": "60",
        }
        first = await scheduler(env)
        second = None
        try:
            google.deliver(SUPPLIER, "Invoice 90")
            await eventually(lambda: _calls(receiver, 1))  # the first is held: mid-item
            first.send_signal(signal.SIGKILL)
            await first.wait()
            receiver.release.set()
            [held] = await items(sessions, workflow)
            assert held.finished_at is None  # claimed, never finished

            second = await scheduler(env)
            await eventually(lambda: _finished(sessions, workflow), within=LEASE_SECONDS * 10)
            calls = [s for s in receiver.seen if s.path == "/invoices"]
            assert len(calls) == 2
            assert {c.headers["idempotency-key"] for c in calls} == {
                calls[0].headers["idempotency-key"]
            }
            assert [json.loads(c.body)["subject"] for c in calls] == ["Invoice 90"] * 2
            # Finished once: later syncs skip it.
            reads = len([s for s in google.seen if s.path.endswith("/profile")])
            await eventually(lambda: _profile_reads(google, reads + 3))
            assert len([s for s in receiver.seen if s.path == "/invoices"]) == 2
            [done] = await items(sessions, workflow)
            assert done.finished_at is not None and done.output.get("status") == 200
        finally:
            for daemon in (first, second):
                if daemon is not None and daemon.returncode is None:
                    daemon.send_signal(signal.SIGTERM)
                    await daemon.wait()
        assert second is not None and second.returncode == 0


async def scheduler(env: dict[str, str]) -> asyncio.subprocess.Process:
    erp = str(Path(sys.executable).parent / "erp")
    return await asyncio.create_subprocess_exec(
        erp,
        "scheduler",
        "--no-relay",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def items(sessions: Any, workflow: str) -> list[IntegrationItem]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(IntegrationItem).where(IntegrationItem.workflow_id == workflow)
        )
        return list(rows)


async def _calls(receiver: HoldingReceiver, count: int) -> bool:
    return len([s for s in receiver.seen if s.path == "/invoices"]) >= count


async def _finished(sessions: Any, workflow: str) -> bool:
    return any(item.finished_at is not None for item in await items(sessions, workflow))


async def _profile_reads(google: Any, count: int) -> bool:
    return len([s for s in google.seen if s.path.endswith("/profile")]) >= count
