"""The e-mails of accounts: an invitation and a password reset, each with its one-time link.
A company's are kept in its mail log with the link's token blotted out; a platform
developer's, which belong to no company, are only sent."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.mail import deliver, send_unlogged
from core.settings import Settings

log = logging.getLogger("erp.accounts")


def invitation_link(settings: Settings, token: str) -> str:
    # In the fragment: a browser never sends it, so the token reaches no server's access log.
    return f"{settings.automation.public_url}/accept-invitation#token={token}"


def reset_link(settings: Settings, token: str) -> str:
    return f"{settings.automation.public_url}/reset-password#token={token}"


async def send_account_mail(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    to: str,
    company_id: str | None,
    subject: str,
    body: str,
    token: str,
) -> None:
    """Send one account e-mail to `to` (failures are in the mail log; nothing is raised)."""
    message = EmailMessage()
    message["From"] = settings.automation.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="erp-builder")
    message.set_content(body)
    try:
        if company_id is None:
            await send_unlogged(settings.automation, message, [to])
        else:
            await deliver(
                sessions,
                settings.automation,
                message,
                company_id=company_id,
                idempotency_key=f"account:{message['Message-ID']}",
                recipients=[to],
                redact=(token,),
            )
    except Exception:
        # The request was answered already; a company's failed mail is in its mail log.
        log.warning("account e-mail to %s was not sent", to, exc_info=True)


def invitation_text(link: str, company: str, inviter: str, hours: int) -> str:
    return (
        f"{inviter} invited you to {company} on ERP Builder.\n\n"
        f"Choose your password here to accept (the link works once, for {hours} hours):\n"
        f"{link}\n"
    )


def reset_text(link: str, minutes: int) -> str:
    return (
        "Someone asked to reset the password of your ERP Builder account.\n\n"
        f"Choose a new password here (the link works once, for {minutes} minutes):\n{link}\n\n"
        "If it was not you, ignore this e-mail: your password stays as it is.\n"
    )
