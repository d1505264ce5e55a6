"""Admins read their company's mail log through the API (paginated, filtered, one by id),
with row-level security live; nobody else reads it, and no company reads another's."""

from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest

from core.mail import MailFailed, deliver
from core.models import UserRole
from core.settings import AutomationSettings
from tests.world.app import auth_headers
from tests.world.tenants import Tenant

CAPTURE = AutomationSettings(capture_mail=True)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(to: str, subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "ERP Builder <noreply@localhost>"
    mail["To"] = to
    mail["Message-ID"] = f"<{subject.replace(' ', '-')}@erp-builder>"
    mail["Subject"] = subject
    mail.set_content(f"About {subject}.\n")
    return mail


async def send(sessions, tenant: Tenant, key: str, subject: str, settings=CAPTURE) -> None:
    await deliver(
        sessions,
        settings,
        message("cfo@acme.com", subject),
        company_id=tenant.company.id,
        idempotency_key=key,
        recipients=["cfo@acme.com"],
    )


async def test_admins_page_filter_and_read_their_companys_mail_log(
    rls_client, sessions, acme: Tenant, globex: Tenant
) -> None:
    for n in range(3):
        await send(sessions, acme, f"acme.{n}", f"Expense {n}")
    unreachable = AutomationSettings(smtp_host="127.0.0.1", smtp_port=closed_port(), smtp_timeout=5)
    with pytest.raises(MailFailed):
        await send(sessions, acme, "acme.failed", "Refused", unreachable)
    await send(sessions, globex, "globex.0", "Globex secret")
    admin = auth_headers(acme.users[UserRole.ADMIN])

    page = await rls_client.get("/outgoing-emails?limit=2&sort=createdAt", headers=admin)
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 0)
    assert [m["subject"] for m in body["items"]] == ["Expense 0", "Expense 1"]
    first = body["items"][0]
    assert first["to"] == ["cfo@acme.com"] and first["body"] == "About Expense 0.\n"
    assert (first["status"], first["attempts"], first["error"]) == ("CAPTURED", 1, None)

    failed = (await rls_client.get("/outgoing-emails?status=FAILED", headers=admin)).json()
    [refused] = failed["items"]
    assert refused["subject"] == "Refused" and "SMTP 127.0.0.1" in refused["error"]
    one = await rls_client.get(f"/outgoing-emails/{refused['id']}", headers=admin)
    assert one.status_code == 200 and one.json() == refused

    # A developer acting in the company reads it too; employees and managers do not.
    developer = auth_headers(acme.users[UserRole.DEVELOPER], acme.company)
    listed = await rls_client.get("/outgoing-emails", headers=developer)
    assert listed.status_code == 200 and listed.json()["total"] == 4
    for role in (UserRole.EMPLOYEE, UserRole.MANAGER):
        refused_read = await rls_client.get(
            "/outgoing-emails", headers=auth_headers(acme.users[role])
        )
        assert refused_read.status_code == 403

    # Another company's mail is not there, not even by id.
    globex_admin = auth_headers(globex.users[UserRole.ADMIN])
    [theirs] = (await rls_client.get("/outgoing-emails", headers=globex_admin)).json()["items"]
    assert theirs["subject"] == "Globex secret"
    hidden = await rls_client.get(f"/outgoing-emails/{theirs['id']}", headers=admin)
    assert hidden.status_code == 404

    bad = await rls_client.get("/outgoing-emails?status=LOST", headers=admin)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
