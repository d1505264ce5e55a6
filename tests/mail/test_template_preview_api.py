"""Trying an e-mail template out from its editor: a preview rendered by the server's sandbox
with sample data (a stored template, an edit not saved yet, a template never saved), with the
variables the data lacked; a template that does not render, or runs past the sandbox's time
budget, is a problem naming the subject or body, and nothing is written. A test send reaches
the SMTP server and the mail log once. The variables a template may use: those of the
triggers sending it and of each event type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL

from core.database import transaction
from core.models import AuditLog, EmailTemplate, OutgoingEmail
from core.settings import Settings
from core.templating import TIME_BUDGET_SECONDS
from tests.world.app import make_settings
from tests.world.services import SmtpServer
from tests.world.tenants import Tenant

TEMPLATE = {
    "name": "Expense approved",
    "type": "expense_approved",
    "subject": "Expense of {{ amount }}  approved",
    "body": "Hello {{ employee_name }},\n\n{% if amount > 1000 %}A large one!{% endif %}\n",
    "variables": ["amount", "employee_name"],
}


@pytest.fixture
def app_settings(database_url: URL, tmp_path: Path, smtp: SmtpServer) -> Settings:
    """The API sending its e-mail to the loopback SMTP server."""
    return make_settings(database_url, tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)


async def make_template(client: AsyncTestClient, headers: dict[str, str]) -> str:
    made = await client.post("/email-templates", json=TEMPLATE, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def counts(acme: Tenant) -> tuple[int, int, Any]:
    """Mail log rows, audit rows and the stored template texts: what a preview leaves alone."""
    async with transaction(acme.sessions, company_id=acme.company_id) as s:
        mails = await s.scalar(sa.select(sa.func.count()).select_from(OutgoingEmail))
        audits = await s.scalar(sa.select(sa.func.count()).select_from(AuditLog))
        texts = (await s.execute(sa.select(EmailTemplate.subject, EmailTemplate.body))).all()
        return int(mails or 0), int(audits or 0), texts


async def test_a_preview_renders_in_the_sandbox_with_sample_data_writing_nothing(
    client: AsyncTestClient, acme: Tenant, as_admin: dict[str, str]
) -> None:
    template = await make_template(client, as_admin)
    before = await counts(acme)
    shown = await client.post(
        f"/email-templates/{template}/preview",
        json={"variables": {"amount": 12000, "employee_name": "Eve"}},
        headers=as_admin,
    )
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "subject": "Expense of 12000 approved",
        "body": "Hello Eve,\n\nA large one!\n",
        "warnings": [],
    }
    # An edit not saved yet, with a variable the sample lacks: rendered empty, and said so.
    edited = await client.post(
        f"/email-templates/{template}/preview",
        json={"variables": {"amount": 5}, "body": "Dear {{ employee_name }}: {{ amount * 2 }}"},
        headers=as_admin,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Dear : 10\n"
    assert edited.json()["subject"] == "Expense of 5 approved"
    assert any("employee_name" in w for w in edited.json()["warnings"])
    # A template never saved.
    draft = await client.post(
        "/email-templates/preview",
        json={
            "subject": "Hi {{ name | upper }}",
            "body": "{{ items | length }} items",
            "variables": {"name": "ada", "items": [1, 2]},
        },
        headers=as_admin,
    )
    assert draft.status_code == 200, draft.text
    assert draft.json()["subject"] == "Hi ADA" and draft.json()["body"] == "2 items\n"
    assert await counts(acme) == before


async def test_a_template_that_does_not_render_names_the_subject_and_the_body(
    client: AsyncTestClient, acme: Tenant, as_admin: dict[str, str]
) -> None:
    template = await make_template(client, as_admin)
    before = await counts(acme)
    broken = await client.post(
        f"/email-templates/{template}/preview",
        json={"subject": "{{ amount ", "body": "{{ ''.__class__.__mro__ }}", "variables": {}},
        headers=as_admin,
    )
    assert broken.status_code == 422, broken.text
    assert broken.headers["content-type"].startswith("application/problem+json")
    assert {e["path"] for e in broken.json()["errors"]} == {"/subject", "/body"}
    assert all(e["code"] == "invalid_template" for e in broken.json()["errors"])
    # The sandbox's time budget holds for previews too.
    endless = await client.post(
        "/email-templates/preview",
        json={
            "subject": "Loop",
            "body": "{% for a in range(9999) %}{% for b in range(9999) %}{% endfor %}{% endfor %}",
        },
        headers=as_admin,
    )
    assert endless.status_code == 422, endless.text
    [problem] = endless.json()["errors"]
    assert problem["path"] == "/body"
    assert f"ran longer than {TIME_BUDGET_SECONDS:g} s" in problem["message"]
    bad_body = await client.post(
        "/email-templates/preview", json={"subject": 3, "variables": []}, headers=as_admin
    )
    assert bad_body.status_code == 422, bad_body.text
    assert {e["path"] for e in bad_body.json()["errors"]}
    assert await counts(acme) == before


async def test_a_test_send_reaches_the_smtp_server_and_the_mail_log(
    client: AsyncTestClient, acme: Tenant, as_admin: dict[str, str], smtp: SmtpServer
) -> None:
    template = await make_template(client, as_admin)
    sent = await client.post(
        f"/email-templates/{template}/test-send",
        json={"to": "Builder@Example.com", "variables": {"amount": 40, "employee_name": "Eve"}},
        headers=as_admin,
    )
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert answer["status"] == "SENT" and answer["to"] == "Builder@example.com"
    assert answer["subject"] == "Expense of 40 approved"
    [received] = [m for m in smtp.mailbox.messages if m["Message-ID"] == answer["messageId"]]
    assert received["Subject"] == "Expense of 40 approved"
    assert "Hello Eve" in received.get_payload()
    logged = await client.get("/outgoing-emails", params={"sourceId": template}, headers=as_admin)
    [row] = logged.json()["items"]
    assert row["id"] == answer["mailId"] and row["runId"] == "template-test"
    assert row["to"] == ["Builder@example.com"] and row["status"] == "SENT"
    audit = await client.get("/audit-logs", params={"entityId": template}, headers=as_admin)
    assert "email_template.test_sent" in [a["action"] for a in audit.json()["items"]]

    before = await counts(acme)
    refused = await client.post(
        f"/email-templates/{template}/test-send",
        json={"to": "not an address", "body": "{% if %}"},
        headers=as_admin,
    )
    assert refused.status_code == 422, refused.text
    assert {e["path"] for e in refused.json()["errors"]} == {"/to", "/body"}
    assert await counts(acme) == before


async def test_only_builders_try_templates_and_only_their_company_s(
    client: AsyncTestClient, acme: Tenant, globex: Tenant, as_admin, as_employee
) -> None:
    template = await make_template(client, as_admin)
    for path in ("preview", "test-send"):
        body = {"to": "a@example.com"} if path == "test-send" else {}
        denied = await client.post(
            f"/email-templates/{template}/{path}", json=body, headers=as_employee
        )
        assert denied.status_code == 403, denied.text
        elsewhere = await client.post(
            f"/email-templates/{template}/{path}", json=body, headers=globex.headers()
        )
        assert elsewhere.status_code == 404, elsewhere.text
    assert (
        await client.get(f"/email-templates/{template}/variables", headers=globex.headers())
    ).status_code == 404


async def test_the_editor_lists_the_variables_of_the_triggers_sending_the_template(
    client: AsyncTestClient, as_admin: dict[str, str]
) -> None:
    template = await make_template(client, as_admin)
    table = await client.post(
        "/tables",
        json={
            "name": "claims",
            "displayName": "Claims",
            "schema": [{"id": "amount", "type": "number", "label": "Amount"}],
        },
        headers=as_admin,
    )
    assert table.status_code == 201, table.text
    trigger = await client.post(
        "/triggers",
        json={
            "name": "Claim mail",
            "eventType": "DATABASE_ROW_CREATED",
            "tableId": table.json()["id"],
            "actions": [
                {
                    "type": "send_email",
                    "config": {
                        "to": "cfo@acme.com",
                        "template": "expense_approved",
                        "variables": {"employee_name": "{{ userId }}"},
                    },
                }
            ],
        },
        headers=as_admin,
    )
    assert trigger.status_code == 201, trigger.text
    found = await client.get(f"/email-templates/{template}/variables", headers=as_admin)
    assert found.status_code == 200, found.text
    answer = found.json()
    assert answer["used"] == ["amount", "employee_name"]
    [sender] = answer["senders"]
    assert sender["triggerName"] == "Claim mail"
    assert sender["eventType"] == "DATABASE_ROW_CREATED"
    assert {"amount", "Amount", "employee_name", "tableName", "recordId"} <= set(
        sender["variables"]
    )
    events = {e["eventType"]: e["variables"] for e in answer["events"]}
    assert events["WEBHOOK_RECEIVED"] is None
    assert {"instanceId", "approve_link"} <= set(events["FLOW_COMPLETED"])
