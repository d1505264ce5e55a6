"""Outlook through a local Microsoft Graph: sendMail with an attachment from the platform's
files, $filter with @odata.nextLink paging, and the delta link as a source's cursor."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace

import pytest

from core.database import transaction
from core.integrations.errors import IntegrationFailed
from core.integrations.runner import run_action
from core.integrations.workflows import sync_workflow
from core.models import File, IntegrationCursor, IntegrationWorkflow
from tests.integrations.graph_server import Graph
from tests.world.integrations import add_integration


@pytest.fixture
def graph() -> Iterator[Graph]:
    with Graph() as server:
        yield server


async def add_outlook(sessions, box, company_id, graph) -> str:
    return await add_integration(
        sessions,
        box,
        company_id,
        "OUTLOOK",
        {
            "tenant": "contoso.onmicrosoft.com",
            "clientId": "app-id",
            "clientSecret": "app-secret",
            "refreshToken": "ms-refresh",
            "apiBaseUrl": graph.url,
            "tokenUrl": graph.url + "/contoso/oauth2/v2.0/token",
        },
    )


async def test_send_mail_with_a_file_attached(
    sessions, settings, box, acme, graph, tmp_path
) -> None:
    outlook = await add_outlook(sessions, box, acme.company_id, graph)
    files = tmp_path / "files"
    (files / acme.company_id).mkdir(parents=True)
    (files / acme.company_id / "r.pdf").write_bytes(b"%PDF-1.4 receipt")
    async with transaction(sessions) as session:
        receipt = File(
            company_id=acme.company_id,
            filename="r.pdf",
            original_name="receipt.pdf",
            mimetype="application/pdf",
            size=16,
            path=f"{acme.company_id}/r.pdf",
            uploaded_by=acme.users["cfo"].id,
        )
        session.add(receipt)
        await session.flush()
    with_files = replace(settings, files_dir=files)
    out = await run_action(
        sessions,
        with_files,
        company_id=acme.company_id,
        integration_id=outlook,
        action="send_mail",
        inputs={
            "to": ["cfo@acme.example"],
            "subject": "Receipt",
            "html": "<p>Attached</p>",
            "attachments": [receipt.id],
        },
    )
    assert out == {"accepted": True}
    [sent] = graph.sent
    assert sent["saveToSentItems"] is True
    message = sent["message"]
    assert message["toRecipients"] == [{"emailAddress": {"address": "cfo@acme.example"}}]
    assert message["body"] == {"contentType": "HTML", "content": "<p>Attached</p>"}
    [attachment] = message["attachments"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert base64.b64decode(attachment["contentBytes"]) == b"%PDF-1.4 receipt"


async def test_list_messages_follows_next_links(sessions, settings, box, acme, graph) -> None:
    outlook = await add_outlook(sessions, box, acme.company_id, graph)
    for n in range(25):
        graph.receive("billing@globex.example" if n % 2 else "x@other.example", f"Mail {n}")
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=outlook,
        action="list_messages",
        inputs={
            "filter": "from/emailAddress/address eq 'billing@globex.example'",
            "maxResults": 15,
        },
    )
    assert out["count"] == 12 and out["messages"][0]["subject"] == "Mail 23"
    assert sum(1 for s in graph.seen if s.path == "/v1.0/me/messages") == 1  # $top=15 page
    paged = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=outlook,
        action="list_messages",
        inputs={"maxResults": 250},
    )
    assert paged["count"] == 25
    with pytest.raises(IntegrationFailed, match="BadRequest Invalid filter clause"):
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=outlook,
            action="list_messages",
            inputs={"filter": "subject has 'x'"},
        )


async def test_new_messages_follow_the_delta_link(sessions, settings, box, acme, graph) -> None:
    outlook = await add_outlook(sessions, box, acme.company_id, graph)
    async with transaction(sessions) as session:
        workflow = IntegrationWorkflow(
            company_id=acme.company_id,
            name="Forward to sheet",
            integration_id=outlook,
            trigger_config={"type": "source", "source": "new_messages"},
            action_config={
                "action": "send_mail",
                "inputs": {
                    "to": "archive@acme.example",
                    "subject": "Fwd: {{subject}}",
                    "body": "From {{from}}",
                },
            },
        )
        session.add(workflow)
        await session.flush()
    for n in range(3):
        graph.receive("billing@globex.example", f"Invoice {n}")
    first = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow.id
    )
    assert first.imported == 3
    graph.receive("billing@globex.example", "Invoice 3")
    second = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow.id
    )
    assert second.imported == 1
    assert [m["message"]["subject"] for m in graph.sent] == [
        "Fwd: Invoice 0",
        "Fwd: Invoice 1",
        "Fwd: Invoice 2",
        "Fwd: Invoice 3",
    ]
    async with sessions() as session:
        cursor = await session.get(IntegrationCursor, workflow.id)
    assert cursor.cursor["deltaLink"].endswith("$deltatoken=4")
