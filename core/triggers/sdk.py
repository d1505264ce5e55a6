"""What an action plugin imports: the descriptor and context types, the sandboxed renderer,
and the platform services an action may call (each confined to the trigger's company and
passing the chain depth on, so loops stay bounded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.errors import ErpError
from core.http import GuardedHttpClient, HttpResponse, OutboundRequestFailed
from core.models import EmailTemplate
from core.triggers.actions import Action, ActionContext, ActionOutput, EventInfo, TriggerInfo
from core.triggers.errors import ActionFailed
from core.triggers.templating import render_text, render_value


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

    async with context.transaction() as session:
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


async def create_record(
    context: ActionContext, *, table_id: str, data: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    """Add a record to a custom table of the company (validated by the table's schema)."""
    from core.records.records import create_record as create

    async with context.transaction() as session:
        try:
            record = await create(
                session,
                company_id=context.company_id,
                table_id=table_id,
                data=data,
                user_id=user_id,
                chain_depth=context.chain_depth,
            )
        except ErpError as exc:
            raise ActionFailed(_problem_text(exc), retryable=False) from exc
        return {"recordId": record.id}


async def update_record(
    context: ActionContext, *, record_id: str, data: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    """Merge `data` into a record of the company (validated by the table's schema)."""
    from core.records.records import update_record as update

    async with context.transaction() as session:
        try:
            record = await update(
                session,
                company_id=context.company_id,
                record_id=record_id,
                data=data,
                user_id=user_id,
                chain_depth=context.chain_depth,
            )
        except ErpError as exc:
            raise ActionFailed(_problem_text(exc), retryable=False) from exc
        return {"recordId": record.id}


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

    async with context.transaction() as session:
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


def _problem_text(exc: ErpError) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return exc.message + ": " + "; ".join(f"{p.path}: {p.message}" for p in problems)
    return exc.message


ENTITY_KEY = "x-erp-entity"
"""Mark an action setting that holds the id of a row of the company, so that versions rolled
out to client companies find the client's own row: `Annotated[str, msgspec.Meta(
extra_json_schema={ENTITY_KEY: "CustomTable"})]`. Entity types: "Flow" and "Task" (found through
the client's install), "CustomTable", "EmailTemplate", "Integration" (found by name)."""


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
    "notify_users",
    "render_text",
    "render_value",
    "start_flow",
    "update_record",
]
