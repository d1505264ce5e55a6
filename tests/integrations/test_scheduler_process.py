"""The scheduler daemon, as a real `erp scheduler` process (two of them at once), syncs a
source workflow: a supplier's new Gmail message becomes one record, not two."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import sqlalchemy as sa

from core.models import CustomTableRecord, IntegrationWorkflow
from tests.world.app import SECRET
from tests.world.integrations import SUPPLIER, supplier_mail_workflow
from tests.world.services import eventually


async def test_two_schedulers_import_a_new_message_once(
    sessions, box, acme, google, database_url
) -> None:
    workflow, table = await supplier_mail_workflow(sessions, box, acme, google)
    async with sessions() as session, session.begin():  # sync every second (the API allows 10+)
        row = await session.get(IntegrationWorkflow, workflow)
        row.trigger_config = {**row.trigger_config, "intervalSeconds": 1}
    env = {
        **os.environ,
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": SECRET,
        "ERP_HTTP_ALLOW_PRIVATE": "true",
        "ERP_INTEGRATION_POLL_SECONDS": "0.2",
        "ERP_SCHEDULER_SYNC_SECONDS": "60",
    }
    erp = str(Path(sys.executable).parent / "erp")
    daemons = [
        await asyncio.create_subprocess_exec(
            erp,
            "scheduler",
            "--no-relay",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        google.deliver(SUPPLIER, "Invoice 77")

        async def imported() -> list:
            async with sessions() as session:
                return list(
                    (
                        await session.scalars(
                            sa.select(CustomTableRecord.data).where(
                                CustomTableRecord.table_id == table
                            )
                        )
                    ).all()
                )

        [record] = await eventually(imported)
        assert record["subject"] == "Invoice 77"
        google.deliver(SUPPLIER, "Invoice 78")
        both = await eventually(lambda: _at_least(imported, 2))
        # Both daemons kept polling in between; neither message was imported twice.
        reads = len([s for s in google.seen if s.path.endswith("/profile")])
        await eventually(lambda: _more_reads(google, reads + 3))
        assert sorted(r["subject"] for r in await imported()) == ["Invoice 77", "Invoice 78"]
        assert len(both) == 2
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons:
            await daemon.wait()
    assert [d.returncode for d in daemons] == [0, 0]


async def _at_least(read, count: int) -> list:
    rows = await read()
    return rows if len(rows) >= count else []


async def _more_reads(google, count: int) -> bool:
    return len([s for s in google.seen if s.path.endswith("/profile")]) >= count
