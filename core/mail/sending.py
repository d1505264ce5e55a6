"""Send one e-mail through the mail log: logged as QUEUED before the SMTP server is asked
(so a crash mid-send still leaves a trace), then SENT, FAILED with the reason, or CAPTURED.
Retries of one sending action (same idempotency key) count their attempts on the same row
and keep its Message-ID; one already sent or captured is not sent again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

import aiosmtplib
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.models import MailStatus, OutgoingEmail, utcnow
from core.settings import AutomationSettings
from core.tenancy import COMPANY_KEY

DONE = (MailStatus.SENT, MailStatus.CAPTURED)


class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message (`retryable` False when
    trying again cannot help, such as refused recipients); `mail_id` is its mail log row."""

    def __init__(self, reason: str, *, retryable: bool = True, mail_id: str = "") -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.mail_id = mail_id


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of an e-mail: its mail log row, status, attempts and Message-ID."""

    mail_id: str
    status: MailStatus
    attempts: int
    message_id: str


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    settings: AutomationSettings,
    message: EmailMessage,
    *,
    company_id: str,
    idempotency_key: str,
    recipients: list[str],
    source_id: str | None = None,
    run_id: str | None = None,
    redact: tuple[str, ...] = (),
) -> Delivery:
    """Log `message` for `company_id` and send it to `recipients` (To, Cc and Bcc), or capture
    it when `settings.capture_mail`. Raises MailFailed once the failure is logged. The log
    keeps the message with each of `redact` (a one-time link's token) replaced by ***."""
    row = await _queue(
        sessions,
        message,
        company_id,
        _key(idempotency_key),
        recipients,
        source_id,
        run_id,
        redact,
    )
    if row.status in DONE:
        return _delivery(row)
    if settings.capture_mail:
        return await _settle(sessions, row, MailStatus.CAPTURED)
    try:
        await send_unlogged(settings, message, recipients)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        await _settle(sessions, row, MailStatus.FAILED, error=f"recipients refused: {exc}")
        raise MailFailed(f"recipients refused: {exc}", retryable=False, mail_id=row.id) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        reason = f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}"
        await _settle(sessions, row, MailStatus.FAILED, error=reason)
        raise MailFailed(reason, mail_id=row.id) from exc
    return await _settle(sessions, row, MailStatus.SENT)


async def send_unlogged(
    settings: AutomationSettings, message: EmailMessage, recipients: list[str]
) -> None:
    """Hand `message` to the SMTP server. Only for mail that belongs to no company's log (a
    platform developer's own account mail); everything else goes through `deliver`."""
    await aiosmtplib.send(
        message,
        recipients=recipients,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        use_tls=settings.smtp_ssl,
        timeout=settings.smtp_timeout,
    )


async def _queue(
    sessions: async_sessionmaker[AsyncSession],
    message: EmailMessage,
    company_id: str,
    key: str,
    recipients: list[str],
    source_id: str | None,
    run_id: str | None,
    redact: tuple[str, ...] = (),
) -> OutgoingEmail:
    """The log row of this sending action, created QUEUED or, for a retry, counted again
    (its Message-ID is put back on the message, so the receiver sees one e-mail)."""
    async with transaction(sessions, **{COMPANY_KEY: company_id}) as session:
        row = await session.scalar(
            sa.select(OutgoingEmail).where(OutgoingEmail.idempotency_key == key).with_for_update()
        )
        if row is not None:
            if row.status not in DONE:
                message.replace_header("Message-ID", row.message_id)
                row.attempts += 1
                row.status = MailStatus.QUEUED
            return row
        to, cc = _header_list(message, "To"), _header_list(message, "Cc")
        row = OutgoingEmail(
            company_id=company_id,
            idempotency_key=key,
            message_id=str(message["Message-ID"] or ""),
            sender=str(message["From"] or ""),
            to=to,
            cc=cc,
            bcc=[r for r in recipients if r not in to and r not in cc],
            subject=str(message["Subject"] or ""),
            body=_redacted(_part(message, "plain") or "", redact),
            html=_redacted(_part(message, "html"), redact),
            status=MailStatus.QUEUED,
            attempts=1,
            source_id=source_id,
            run_id=run_id[:255] if run_id else None,
        )
        session.add(row)
        return row


async def _settle(
    sessions: async_sessionmaker[AsyncSession],
    row: OutgoingEmail,
    status: MailStatus,
    *,
    error: str | None = None,
) -> Delivery:
    values: dict[str, Any] = {"status": status, "error": error, "updated_at": utcnow()}
    if status is MailStatus.SENT:
        values["sent_at"] = utcnow()
    async with transaction(sessions, **{COMPANY_KEY: row.company_id}) as session:
        await session.execute(
            sa.update(OutgoingEmail).where(OutgoingEmail.id == row.id).values(**values)
        )
    row.status, row.error = status, error
    return _delivery(row)


def _redacted(text: str | None, secrets: tuple[str, ...]) -> str | None:
    for secret in secrets:
        if text is not None and secret:
            text = text.replace(secret, "***")
    return text


def _delivery(row: OutgoingEmail) -> Delivery:
    return Delivery(row.id, row.status, row.attempts, row.message_id)


def _header_list(message: EmailMessage, name: str) -> list[str]:
    return [address for _, address in getaddresses(message.get_all(name, [])) if address]


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content: str = part.get_content()
    return content


def _key(key: str) -> str:
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()
