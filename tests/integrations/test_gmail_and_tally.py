"""Gmail sends RFC 5322 messages as base64url `raw` (attachments from the platform's files)
and searches with a query; a Google service account signs its own JWT; Tally exports its
ledgers from the XML interface."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.database import transaction
from core.integrations.runner import run_action
from core.models import File
from tests.world.integrations import add_integration, sheets_config


def gmail_config(google) -> dict:
    config = sheets_config(google)
    del config["spreadsheetId"]
    return {**config, "fromAddress": "ap@acme.example", "fromName": "Acme AP"}


async def test_send_a_message_with_an_attachment(
    sessions, settings, box, acme, google, tmp_path
) -> None:
    gmail = await add_integration(sessions, box, acme.company_id, "GMAIL", gmail_config(google))
    folder = tmp_path / acme.company_id
    folder.mkdir()
    (folder / "inv.pdf").write_bytes(b"%PDF-1.4 invoice")
    async with transaction(sessions) as session:
        invoice = File(
            company_id=acme.company_id,
            filename="inv.pdf",
            original_name="inv.pdf",
            mimetype="application/pdf",
            size=16,
            path=f"{acme.company_id}/inv.pdf",
            uploaded_by=acme.users["cfo"].id,
        )
        session.add(invoice)
        await session.flush()
    out = await run_action(
        sessions,
        replace(settings, files_dir=tmp_path),
        company_id=acme.company_id,
        integration_id=gmail,
        action="send_message",
        idempotency_key="run-1.0",
        inputs={
            "to": ["supplier@globex.example"],
            "subject": "Remittance advice",
            "body": "Paid today.",
            "attachments": [invoice.id],
        },
    )
    assert out == {"id": "sent1", "threadId": "sent1"}
    [raw] = google.sent
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "supplier@globex.example"
    assert message["From"] == "Acme AP <ap@acme.example>"
    assert message["Subject"] == "Remittance advice"
    assert "run-1.0" in message["Message-ID"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "inv.pdf"
    assert attachment.get_content() == b"%PDF-1.4 invoice"


async def test_search_messages_with_a_query(sessions, settings, box, acme, google) -> None:
    gmail = await add_integration(sessions, box, acme.company_id, "GMAIL", gmail_config(google))
    for n in range(3):
        google.deliver("Globex <billing@globex.example>", f"Invoice {n}")
    google.deliver("Other <x@example.com>", "Hello")
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=gmail,
        action="search_messages",
        inputs={"query": "from:billing@globex.example", "maxResults": 2},
    )
    assert [m["subject"] for m in out["messages"]] == ["Invoice 2", "Invoice 1"]
    assert out["messages"][0]["from"] == "Globex <billing@globex.example>"


async def test_a_service_account_signs_its_own_token_request(
    sessions, settings, box, acme, google
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    google.service_account_key = key.public_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    google.sheets["sheet-1"] = [["a"]]
    sheet = await add_integration(
        sessions,
        box,
        acme.company_id,
        "GOOGLE_SHEETS",
        {
            "serviceAccountEmail": "erp@project.iam.gserviceaccount.com",
            "privateKey": pem,
            "subject": "ap@acme.example",
            "spreadsheetId": "sheet-1",
            "apiBaseUrl": google.url,
            "tokenUrl": google.url + "/token",
        },
    )
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="read_range",
        inputs={"range": "Sheet1"},
    )
    assert out["values"] == [["a"]]
    [claims] = google.assertions
    assert claims["iss"] == "erp@project.iam.gserviceaccount.com"
    assert claims["sub"] == "ap@acme.example"
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets"


async def test_tally_exports_its_ledgers(sessions, settings, box, acme, tally) -> None:
    books = await add_integration(
        sessions, box, acme.company_id, "TALLY", {"url": tally.url, "company": "Acme Ltd"}
    )
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=books,
        action="export_masters",
        inputs={"masterType": "Ledger", "fields": "NAME,PARENT"},
    )
    assert out["count"] == 3
    assert {"name": "Cash", "parent": "Cash-in-Hand"} in out["items"]
    request = tally.seen[0].body.decode()
    assert "<TALLYREQUEST>Export</TALLYREQUEST>" in request
    assert "<SVCURRENTCOMPANY>Acme Ltd</SVCURRENTCOMPANY>" in request
