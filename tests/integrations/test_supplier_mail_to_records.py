"""Scenario (b): a new Gmail message from a supplier creates a record in a custom table, once,
however often the sync runs; overlapping syncs are skipped, a failure half way resumes."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.integrations.workflows import sync_workflow
from core.models import (
    CustomTableRecord,
    IntegrationCursor,
    IntegrationRun,
    IntegrationWorkflow,
)
from tests.world.integrations import SUPPLIER, supplier_mail_workflow


async def records(sessions, table_id) -> list[dict]:
    async with sessions() as session:
        rows = await session.scalars(
            sa.select(CustomTableRecord).where(CustomTableRecord.table_id == table_id)
        )
        return sorted((r.data for r in rows), key=lambda d: d["messageId"])


async def test_each_supplier_message_becomes_one_record(
    sessions, settings, box, acme, google
) -> None:
    workflow, table = await supplier_mail_workflow(sessions, box, acme, google)
    first = google.deliver(SUPPLIER, "Invoice 1001")
    google.deliver("Someone Else <x@example.com>", "Lunch?")
    result = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow
    )
    assert (result.status, result.imported) == ("SUCCESS", 1)
    again = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow
    )
    assert (again.status, again.imported) == ("SUCCESS", 0)
    second = google.deliver(SUPPLIER, "Invoice 1002")
    for _ in range(3):
        await sync_workflow(sessions, settings, company_id=acme.company_id, workflow_id=workflow)
    assert await records(sessions, table) == sorted(
        [
            {"subject": "Invoice 1001", "sender": SUPPLIER, "messageId": first},
            {"subject": "Invoice 1002", "sender": SUPPLIER, "messageId": second},
        ],
        key=lambda d: d["messageId"],
    )
    async with sessions() as session:
        cursor = await session.get(IntegrationCursor, workflow)
        wf = await session.get(IntegrationWorkflow, workflow)
    assert cursor.cursor == {"historyId": str(google.history_id)} and cursor.last_sync_at
    assert wf.execution_count == 2 and wf.last_executed_at is not None
    history_reads = [s for s in google.seen if s.path.endswith("/history")]
    assert history_reads and history_reads[-1].query["startHistoryId"] == [str(google.history_id)]


async def test_overlapping_syncs_import_once(sessions, settings, box, acme, google) -> None:
    workflow, table = await supplier_mail_workflow(sessions, box, acme, google)
    for n in range(5):
        google.deliver(SUPPLIER, f"Invoice {n}")
    results = await asyncio.gather(
        *[
            sync_workflow(sessions, settings, company_id=acme.company_id, workflow_id=workflow)
            for _ in range(4)
        ]
    )
    assert sum(r.imported for r in results) == 5
    assert {r.status for r in results} <= {"SUCCESS", "SKIPPED"}
    assert len(await records(sessions, table)) == 5


async def test_a_failure_half_way_resumes_without_skipping(
    sessions, settings, box, acme, google
) -> None:
    # Subjects must be short: the third message's subject breaks the table's rule.
    workflow, table = await supplier_mail_workflow(
        sessions,
        box,
        acme,
        google,
        table_schema=[
            {
                "id": "subject",
                "type": "text",
                "label": "Subject",
                "required": True,
                "validation": {"maxLength": 12},
            },
            {"id": "sender", "type": "text", "label": "Sender"},
            {"id": "messageId", "type": "text", "label": "Message"},
        ],
    )
    ids = [
        google.deliver(SUPPLIER, s)
        for s in ("Invoice 1", "Invoice 2", "A subject far too long", "Invoice 4")
    ]
    failed = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow
    )
    assert failed.status == "FAILED" and failed.imported == 2
    assert "Subject" in (failed.error or "")
    assert [r["messageId"] for r in await records(sessions, table)] == sorted(ids[:2])
    google.mailbox[2]["subject"] = "Invoice 3"  # the table's rule is met on the next read
    resumed = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow
    )
    assert (resumed.status, resumed.imported, resumed.skipped) == ("SUCCESS", 2, 2)
    assert [r["messageId"] for r in await records(sessions, table)] == sorted(ids)
    async with sessions() as session:
        logged = (
            await session.scalars(
                sa.select(IntegrationRun.status)
                .where(IntegrationRun.kind == "sync")
                .order_by(IntegrationRun.started_at)
            )
        ).all()
    assert logged == ["FAILED", "SUCCESS"]


async def test_an_expired_history_id_falls_back_to_the_query_without_duplicates(
    sessions, settings, box, acme, google
) -> None:
    workflow, table = await supplier_mail_workflow(sessions, box, acme, google)
    google.deliver(SUPPLIER, "Invoice 1")
    await sync_workflow(sessions, settings, company_id=acme.company_id, workflow_id=workflow)
    google.deliver(SUPPLIER, "Invoice 2")
    async with sessions() as session, session.begin():  # Gmail keeps history for about a week
        cursor = await session.get(IntegrationCursor, workflow)
        cursor.cursor = {"historyId": "5"}
    result = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow
    )
    assert (result.status, result.imported, result.skipped) == ("SUCCESS", 1, 1)
    assert sorted(r["subject"] for r in await records(sessions, table)) == [
        "Invoice 1",
        "Invoice 2",
    ]
