"""An e-mail template tried out before triggers send it: rendered with sample data in the
template sandbox exactly as send_email renders it (same time and memory budget), and sent
once to an address of the builder's choosing through the mail log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from uuid import uuid4

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal, require
from core.audit import record_audit
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.mail.sending import Delivery, MailFailed, deliver
from core.models import EmailTemplate, MailStatus
from core.settings import Settings
from core.templating import TemplateFailed, collecting_warnings, render_text
from core.tenancy import company_of

TEST_RUN = "template-test"
"""The mail log's `runId` of test sends (their `sourceId` is the template)."""


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A template's subject and body rendered, and a warning for each variable the sample
    data did not have (rendered empty, as it would be in a real send)."""

    subject: str
    body: str
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class TestSend:
    """A test send: what was sent to whom, and what became of it in the mail log."""

    to: str
    rendered: RenderedMail
    delivery: Delivery
    error: str | None = None


async def render_mail(subject: str, body: str, variables: Mapping[str, Any]) -> RenderedMail:
    """Render as the send_email action does: the subject on one line, the body trimmed.
    ValidationFailed names the subject and/or body when they do not parse or render."""
    problems: list[FieldProblem] = []
    rendered: dict[str, str] = {}
    with collecting_warnings() as warnings:
        for part, text in (("subject", subject), ("body", body)):
            try:
                rendered[part] = await render_text(text, variables, path=part)
            except TemplateFailed as exc:
                message = exc.message.removeprefix(f"{part}: ")
                problems.append(FieldProblem(f"/{part}", message, "invalid_template"))
    if problems:
        raise ValidationFailed(problems, "The template does not render.")
    return RenderedMail(
        " ".join(rendered["subject"].split()), rendered["body"].strip() + "\n", list(warnings)
    )


async def _template(session: AsyncSession, company_id: str, template_id: str) -> EmailTemplate:
    row = await session.get(EmailTemplate, template_id)
    if row is None or row.company_id != company_id:
        raise NotFound(f"no e-mail template {template_id!r}")
    return row


async def preview_template(
    session: AsyncSession,
    principal: Principal,
    *,
    variables: Mapping[str, Any],
    template_id: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> RenderedMail:
    """The template (a stored one, its texts replaced by `subject` or `body` when given, or
    an unsaved one from both) rendered with the sample `variables`; nothing is written."""
    require(principal, "email_templates.read")
    if template_id is not None:
        row = await _template(session, company_of(principal), template_id)
        subject = row.subject if subject is None else subject
        body = row.body if body is None else body
    return await render_mail(subject or "", body or "", variables)


async def send_test(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    principal: Principal,
    *,
    template_id: str,
    to: str,
    variables: Mapping[str, Any],
    subject: str | None = None,
    body: str | None = None,
) -> TestSend:
    """Render the stored template (its texts replaced as for a preview) with the sample
    `variables` and send it once to `to` through the mail log (sent over SMTP, or captured);
    a failed send is logged and answered, not raised."""
    require(principal, "email_templates.write")
    company_id = company_of(principal)
    row = await _template(session, company_id, template_id)
    problems: list[FieldProblem] = []
    try:
        address = validate_email(to, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        problems.append(FieldProblem("/to", str(exc), "invalid_email"))
    try:
        rendered = await render_mail(
            row.subject if subject is None else subject,
            row.body if body is None else body,
            variables,
        )
    except ValidationFailed as exc:
        problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems, "The test e-mail cannot be sent.")
    message = EmailMessage()
    message["From"] = settings.automation.mail_from
    message["To"] = address
    message["Message-ID"] = make_msgid(idstring=f"{TEST_RUN}.{row.id}", domain="erp-builder")
    message["Date"] = formatdate(localtime=False)
    message["Subject"] = rendered.subject
    message.set_content(rendered.body)
    error = None
    try:
        delivery = await deliver(
            sessions,
            settings.automation,
            message,
            company_id=company_id,
            idempotency_key=f"{TEST_RUN}:{row.id}:{uuid4()}",
            recipients=[address],
            source_id=row.id,
            run_id=TEST_RUN,
        )
    except MailFailed as exc:
        error = str(exc)
        delivery = Delivery(exc.mail_id, MailStatus.FAILED, 1, str(message["Message-ID"]))
    record_audit(
        session,
        principal,
        "email_template.test_sent",
        "EmailTemplate",
        row.id,
        metadata={"to": address, "mailId": delivery.mail_id, "status": delivery.status.value},
    )
    return TestSend(address, rendered, delivery, error)
