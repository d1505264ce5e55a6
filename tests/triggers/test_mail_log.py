"""The mail log: every e-mail send_email sends is kept with its recipients, subject, body,
status and attempts: sent over SMTP (a real aiosmtpd server), failed with the reason,
counted once per retry on one row with one Message-ID, and captured instead of sent when
there is no SMTP server (embedded mode without ERP_SMTP_HOST)."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.engine import URL

from core.mail import deliver
from core.models import EventType, MailStatus, OutgoingEmail, TriggerExecutionStatus
from core.settings import load_settings
from tests.world.automation import (
    Pipeline,
    add_trigger,
    executions,
    expense,
    make_pipeline,
    record,
    settings_for,
)
from tests.world.services import Mailbox, SmtpServer, eventually, free_port
from tests.world.tenants import Sessions, Tenant

ALERT = {
    "type": "send_email",
    "config": {
        "to": "cfo@acme.com",
        "cc": "audit@acme.com",
        "bcc": ["board@acme.com"],
        "subject": "{{ category }} expense of {{ employee_name }}",
        "body": "{{ employee_name }} spent {{ amount }}.",
    },
}


async def mail_log(sessions: Sessions) -> list[OutgoingEmail]:
    async with sessions() as session:
        rows = await session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.created_at))
        return list(rows.all())


async def test_a_sent_email_is_logged_with_its_recipients_subject_body_and_status(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, smtp: SmtpServer
) -> None:
    trigger_id = await add_trigger(
        sessions, acme.company_id, task_id=acme.tasks["expense"], actions=[ALERT]
    )
    before = len(smtp.mailbox.messages)
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(310, "Ann", "Equipment"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [mail] = smtp.mailbox.messages[before:]
    [logged] = await mail_log(sessions)
    assert (logged.status, logged.attempts, logged.error) == (MailStatus.SENT, 1, None)
    assert logged.company_id == acme.company_id and logged.sent_at is not None
    assert (logged.to, logged.cc, logged.bcc) == (
        ["cfo@acme.com"],
        ["audit@acme.com"],
        ["board@acme.com"],
    )
    assert logged.subject == "Equipment expense of Ann" == mail["Subject"]
    assert logged.body == "Ann spent 310.\n"
    assert logged.message_id == mail["Message-ID"]
    assert logged.source_id == trigger_id and logged.run_id
    [action] = execution.actions_executed
    assert action["output"]["mailId"] == logged.id and action["output"]["status"] == "sent"


async def test_an_unreachable_server_leaves_one_failed_entry_counting_every_attempt(
    sessions: Sessions, database_url: URL, acme: Tenant
) -> None:
    port = free_port()
    line = await make_pipeline(sessions, settings_for(database_url, port))
    try:
        trigger_id = await add_trigger(
            sessions,
            acme.company_id,
            task_id=acme.tasks["expense"],
            settings={"retries": 2, "retryBackoffSeconds": 0.05},
            actions=[ALERT],
        )
        await record(
            sessions,
            acme.company_id,
            EventType.TASK_COMPLETED,
            expense(5),
            task_id=acme.tasks["expense"],
        )
        await line.drain()
        # The retries are backed off: the execution is written after the last one.
        [execution] = await eventually(lambda: executions(sessions, trigger_id), within=20)
    finally:
        await line.dispatcher.stop()
        await line.engine.http.aclose()
    assert execution.status is TriggerExecutionStatus.FAILED
    [logged] = await mail_log(sessions)
    assert (logged.status, logged.attempts) == (MailStatus.FAILED, 3)
    assert logged.error is not None and f"SMTP 127.0.0.1:{port}" in logged.error
    assert logged.sent_at is None and logged.subject == "Travel expense of Jane Doe"


class RefusesFirst(Mailbox):
    """An SMTP server that refuses the first message for now (451), then accepts; it notes
    the Message-ID of each message it was offered."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.offered.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        if len(self.offered) == 1:
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


async def test_a_retry_after_a_refusal_is_the_same_entry_and_message_id(
    sessions: Sessions, database_url: URL, acme: Tenant
) -> None:
    mailbox = RefusesFirst()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    line = await make_pipeline(sessions, settings_for(database_url, port))
    try:
        trigger_id = await add_trigger(
            sessions,
            acme.company_id,
            task_id=acme.tasks["expense"],
            settings={"retries": 1, "retryBackoffSeconds": 0.05},
            actions=[ALERT],
        )
        await record(
            sessions,
            acme.company_id,
            EventType.TASK_COMPLETED,
            expense(7),
            task_id=acme.tasks["expense"],
        )
        await line.drain()
        [execution] = await eventually(lambda: executions(sessions, trigger_id), within=20)
    finally:
        await line.dispatcher.stop()
        await line.engine.http.aclose()
        controller.stop()
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [logged] = await mail_log(sessions)
    assert (logged.status, logged.attempts, logged.error) == (MailStatus.SENT, 2, None)
    assert len(mailbox.offered) == 2 and set(mailbox.offered) == {logged.message_id}
    assert len(mailbox.messages) == 1


def message(subject: str = "Hello") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "ERP Builder <noreply@localhost>"
    mail["To"] = "cfo@acme.com"
    mail["Message-ID"] = "<first@erp-builder>"
    mail["Subject"] = subject
    mail.set_content("Plain text\n")
    mail.add_alternative("<p>Rich text</p>", subtype="html")
    return mail


async def test_an_email_already_sent_is_not_sent_again_when_its_action_runs_again(
    sessions: Sessions, database_url: URL, acme: Tenant, smtp: SmtpServer
) -> None:
    settings = settings_for(database_url, smtp.port).automation
    before = len(smtp.mailbox.messages)
    kwargs: dict[str, Any] = {
        "company_id": acme.company_id,
        "idempotency_key": "run-1.0",
        "recipients": ["cfo@acme.com"],
    }
    first = await deliver(sessions, settings, message(), **kwargs)
    again = await deliver(sessions, settings, message(), **kwargs)
    assert first == again and first.status is MailStatus.SENT and first.attempts == 1
    assert len(smtp.mailbox.messages) == before + 1
    [logged] = await mail_log(sessions)
    assert (logged.body, logged.html) == ("Plain text\n", "<p>Rich text</p>\n")


async def test_without_an_smtp_server_the_email_is_captured_and_the_action_succeeds(
    sessions: Sessions, database_url: URL, acme: Tenant, smtp: SmtpServer
) -> None:
    settings = settings_for(database_url, smtp.port)
    capturing = dataclasses.replace(
        settings, automation=dataclasses.replace(settings.automation, capture_mail=True)
    )
    line = await make_pipeline(sessions, capturing)
    before = len(smtp.mailbox.messages)
    try:
        trigger_id = await add_trigger(
            sessions, acme.company_id, task_id=acme.tasks["expense"], actions=[ALERT]
        )
        await record(
            sessions,
            acme.company_id,
            EventType.TASK_COMPLETED,
            expense(12000),
            task_id=acme.tasks["expense"],
        )
        await line.drain()
    finally:
        await line.dispatcher.stop()
        await line.engine.http.aclose()
    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [logged] = await mail_log(sessions)
    assert (logged.status, logged.attempts, logged.sent_at) == (MailStatus.CAPTURED, 1, None)
    assert logged.body == "Jane Doe spent 12000.\n"
    [action] = execution.actions_executed
    assert action["output"]["status"] == "captured"
    assert f"GET /outgoing-emails/{logged.id}" in action["output"]["note"]
    assert len(smtp.mailbox.messages) == before  # nothing went out


def test_capture_is_embedded_mode_without_an_smtp_host() -> None:
    secret = {"ERP_SECRET_KEY": "k" * 40}
    sqlite = {"DATABASE_URL": "sqlite:///erp.db"}
    postgres = {"DATABASE_URL": "postgresql://erp@db/erp"}
    assert load_settings(sqlite).automation.capture_mail
    assert not load_settings(sqlite | {"ERP_SMTP_HOST": "mail.acme.com"}).automation.capture_mail
    assert not load_settings(postgres | secret).automation.capture_mail
