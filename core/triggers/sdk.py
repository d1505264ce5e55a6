"""The triggers part of the plugin SDK (re-exported by `erp.sdk`): the descriptor and context
types, the sandboxed renderer, and the platform services an action may call (each confined
to the trigger's company, passing the chain depth on, so loops stay bounded, and done at
most once per action of a run: see `exactly_once`)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ErpError
from core.http import GuardedHttpClient, HttpResponse, OutboundRequestFailed
from core.models import ActionEffect, EmailTemplate, MailStatus
from core.templating import render_text, render_value
from core.triggers.actions import Action, ActionContext, ActionOutput, EventInfo, TriggerInfo
from core.triggers.errors import ActionFailed

T = TypeVar("T")


async def exactly_once(context: ActionContext, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in a transaction of the trigger's company that also records its
    output under the action's idempotency key; when that key already has a record (the run
    was resumed after a crash between the effect's commit and the run's progress), return
    the recorded output without doing the work again. For actions whose effect is a write to
    the platform's database; an external effect is deduplicated by its receiver (pass it
    `context.idempotency_key`)."""
    key = _effect_key(context.idempotency_key)
    async with context.transaction() as session:
        done = (
            await session.execute(
                sa.select(ActionEffect.output).where(ActionEffect.idempotency_key == key)
            )
        ).first()
        if done is not None:
            recorded: T = done.output
            return recorded
        output = await work(session)
        # Two workers racing on the same action: the second commit hits the key and rolls
        # back its effect; its retry then finds the first one's record.
        session.add(ActionEffect(idempotency_key=key, company_id=context.company_id, output=output))
        return output


def _effect_key(key: str) -> str:
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


async def send_mail(
    context: ActionContext, message: EmailMessage, *, recipients: list[str]
) -> dict[str, Any]:
    """Send `message` to `recipients` (To, Cc and Bcc) through the company's mail log
    (core.mail): sent over SMTP, or captured in the log in embedded mode without an SMTP
    server; a retry of the action keeps its Message-ID and never sends twice. The output
    names the log row (`mailId`), its `status` and, when captured, where to read it."""
    from core.mail import MailFailed

    try:
        delivery = await context.services.deliver_mail(
            message,
            idempotency_key=context.idempotency_key,
            recipients=recipients,
            source_id=context.trigger.id,
            run_id=context.run_id,
        )
    except MailFailed as exc:
        raise ActionFailed(str(exc), retryable=exc.retryable) from exc
    output: dict[str, Any] = {
        "mailId": delivery.mail_id,
        "status": delivery.status.value.lower(),
        "messageId": delivery.message_id,
    }
    if delivery.status is MailStatus.CAPTURED:
        output["note"] = (
            "No SMTP server is configured (ERP_SMTP_HOST): the e-mail was captured in the "
            f"mail log, not sent. Read it at GET /outgoing-emails/{delivery.mail_id}."
        )
    return output


@dataclass(frozen=True, slots=True)
class TemplateText:
    """A stored email template's text, not yet rendered."""

    subject: str
    body: str
    name: str


async def email_template(context: ActionContext, key: str) -> TemplateText | None:
    """The company's active EmailTemplate whose type, name or id is `key`."""
    async with context.transaction() as session:
        row = await session.scalar(
            sa.select(EmailTemplate)
            .where(
                EmailTemplate.company_id == context.company_id,
                EmailTemplate.is_active.is_(True),
                sa.or_(
                    EmailTemplate.type == key, EmailTemplate.name == key, EmailTemplate.id == key
                ),
            )
            .order_by(EmailTemplate.updated_at.desc())
            .limit(1)
        )
        return None if row is None else TemplateText(row.subject, row.body, row.name)


async def start_flow(
    context: ActionContext,
    *,
    flow_id: str,
    initiator_id: str,
    data: dict[str, Any],
    assign_to: str | None = None,
) -> dict[str, Any]:
    """Start an instance of a flow of the company on behalf of `initiator_id` (an active
    user); `assign_to` (user id or email, role id or name) takes the first level."""
    from core.flows import start_flow as start

    async def work(session: AsyncSession) -> dict[str, Any]:
        try:
            instance = await start(
                session,
                company_id=context.company_id,
                flow_id=flow_id,
                initiator_id=initiator_id,
                data=data,
                assign_to=assign_to,
                chain_depth=context.chain_depth,
            )
        except ErpError as exc:
            raise ActionFailed(_problem_text(exc), retryable=False) from exc
        return {"flowInstanceId": instance.id}

    return await exactly_once(context, work)


async def create_record(
    context: ActionContext, *, table_id: str, data: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    """Add a record to a custom table of the company (validated by the table's schema),
    with the trigger's own authority; `user_id` is recorded as its author."""
    from core.records.permissions import TriggerAuthority
    from core.records.records import create_record as create

    async def work(session: AsyncSession) -> dict[str, Any]:
        try:
            record = await create(
                session,
                company_id=context.company_id,
                table_id=table_id,
                data=data,
                principal=TriggerAuthority(user_id),
                chain_depth=context.chain_depth,
            )
        except ErpError as exc:
            raise ActionFailed(_problem_text(exc), retryable=False) from exc
        return {"recordId": record.id}

    return await exactly_once(context, work)


async def update_record(
    context: ActionContext, *, record_id: str, data: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    """Merge `data` into a record of the company (validated by the table's schema), with the
    trigger's own authority; `user_id` is recorded as the one who changed it."""
    from core.records.permissions import TriggerAuthority
    from core.records.records import update_record as update

    async def work(session: AsyncSession) -> dict[str, Any]:
        try:
            record = await update(
                session,
                company_id=context.company_id,
                record_id=record_id,
                data=data,
                principal=TriggerAuthority(user_id),
                chain_depth=context.chain_depth,
            )
        except ErpError as exc:
            raise ActionFailed(_problem_text(exc), retryable=False) from exc
        return {"recordId": record.id}

    return await exactly_once(context, work)


async def notify_users(
    context: ActionContext,
    *,
    title: str,
    body: str = "",
    link: str | None = None,
    user_ids: Sequence[str] = (),
    emails: Sequence[str] = (),
    roles: Sequence[str] = (),
) -> list[str]:
    """Write an in-app notification for each named user of the company; returns their ids."""
    from core.notifications import notify, recipients

    async def work(session: AsyncSession) -> list[str]:
        users = await recipients(
            session, company_id=context.company_id, user_ids=user_ids, emails=emails, roles=roles
        )
        await notify(
            session,
            company_id=context.company_id,
            user_ids=users,
            title=title,
            body=body,
            link=link,
            data={"eventId": context.event.id, "runId": context.run_id},
            trigger_id=context.trigger.id,
        )
        return users

    return await exactly_once(context, work)


def _problem_text(exc: ErpError) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return exc.message + ": " + "; ".join(f"{p.path}: {p.message}" for p in problems)
    return exc.message


ENTITY_KEY = "x-erp-entity"
"""Mark an action setting that holds the id of a row of the company, so that versions rolled
out to client companies find the client's own row: `Annotated[str, msgspec.Meta(
extra_json_schema={ENTITY_KEY: "CustomTable"})]`. Entity types: "Flow" and "Task" (found through
the client's install), "CustomTable", "EmailTemplate", "Integration" (found by name); and
"CustomTableRecord" and "User" (by id; the setting may be a list of ids), which are checked
on save but never carried into clients."""


__all__ = [
    "ENTITY_KEY",
    "Action",
    "ActionContext",
    "ActionFailed",
    "ActionOutput",
    "EventInfo",
    "GuardedHttpClient",
    "HttpResponse",
    "OutboundRequestFailed",
    "TemplateText",
    "TriggerInfo",
    "create_record",
    "email_template",
    "exactly_once",
    "notify_users",
    "render_text",
    "render_value",
    "send_mail",
    "start_flow",
    "update_record",
]
