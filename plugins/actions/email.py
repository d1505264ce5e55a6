"""send_email: a stored EmailTemplate or an inline subject/body, rendered in the sandbox
with the event's variables, sent through the mail log (core.mail: over SMTP, ERP_SMTP_*, or
captured in the log in embedded mode without ERP_SMTP_HOST)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Annotated, Any

import msgspec
from email_validator import EmailNotValidError, validate_email

from erp.sdk import (
    ENTITY_KEY,
    Action,
    ActionContext,
    ActionFailed,
    email_template,
    hookimpl,
    render_value,
    send_mail,
)


class SendEmailConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"to": "cfo@acme.com", "template": "high_value_expense"} or {"to": [...],
    "subject": "...", "body": "..."}; `variables` add to the event's variables."""

    to: str | list[str]
    subject: str | None = None
    body: str | None = None
    html: str | None = None
    template: Annotated[
        str | None, msgspec.Meta(extra_json_schema={ENTITY_KEY: "EmailTemplate"})
    ] = None
    variables: dict[str, Any] = {}
    cc: str | list[str] = []
    bcc: str | list[str] = []
    reply_to: str | None = None


def _addresses(value: str | list[str], field: str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            out.append(validate_email(item, check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise ActionFailed(
                f"{field}: {item!r} is not an email address ({exc})", retryable=False
            ) from None
    return out


async def send_email(context: ActionContext, config: SendEmailConfig) -> dict[str, object]:
    extra = await render_value(
        config.variables, context.variables, path=context.setting_path("variables")
    )
    variables = {**context.variables, **extra}
    subject, body = config.subject, config.body
    if config.template:
        stored = await email_template(context, config.template)
        if stored is None:
            raise ActionFailed(f"no active email template {config.template!r}", retryable=False)
        subject = subject or stored.subject
        body = stored.body if body is None else body
    if subject is None or (body is None and config.html is None):
        raise ActionFailed("send_email needs a template, or a subject and a body", retryable=False)
    to = _addresses(await render_value(config.to, variables, path=context.setting_path("to")), "to")
    if not to:
        raise ActionFailed("send_email has no recipient", retryable=False)
    message = EmailMessage()
    message["From"] = context.mail_from
    message["To"] = ", ".join(to)
    cc = _addresses(await render_value(config.cc, variables, path=context.setting_path("cc")), "cc")
    if cc:
        message["Cc"] = ", ".join(cc)
    if config.reply_to:
        message["Reply-To"] = await context.render(config.reply_to, extra, setting="replyTo")
    # One Message-ID per action of a run: a resend after a crash can be recognised.
    message_id = make_msgid(idstring=context.idempotency_key, domain="erp-builder")
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False)
    message["Subject"] = " ".join((await context.render(subject, extra, setting="subject")).split())
    message.set_content((await context.render(body or "", extra, setting="body")).strip() + "\n")
    if config.html is not None:
        message.add_alternative(
            await context.render(config.html, extra, setting="html"), subtype="html"
        )
    bcc = _addresses(
        await render_value(config.bcc, variables, path=context.setting_path("bcc")), "bcc"
    )
    sent = await send_mail(context, message, recipients=to + cc + bcc)
    return {"to": to, "cc": cc, "subject": message["Subject"], **sent}


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="send_email",
            config=SendEmailConfig,
            run=send_email,
            description="Send an email from a template or an inline subject and body.",
            render_config=False,  # rendered here, so `variables` can feed subject and body
            adds_variables=lambda config: config.variables.keys(),
        )
    ]
