"""E-mail templates of a company: their write side (core.entities.EntityKind). A template is
checked as the triggers that send it are: its texts must parse, and a change may not use a
variable that one of those triggers could never fill. The variables a template may use, for
its editor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.entities import EntityKind
from core.errors import ErpError, FieldProblem, NotFound, ValidationFailed
from core.models import EmailTemplate, EventType
from core.settings import Settings
from core.templating import template_names
from core.tenancy import company_of
from core.triggers.service import (
    TemplateSender,
    event_variable_names,
    template_senders,
    unfillable_by_senders,
)


async def template_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: EmailTemplate | None,
    settings: Settings,
) -> dict[str, Any]:
    texts = {part: values.get(part, getattr(row, part, "") or "") for part in ("subject", "body")}
    problems: list[FieldProblem] = []
    for part, text in texts.items():
        try:
            template_names(text)
        except ErpError as exc:
            problems.append(FieldProblem(f"/{part}", exc.message, "invalid_template"))
    if not problems and row is not None:
        problems = await unfillable_by_senders(session, company_of(principal), row.id, texts)
    if problems:
        raise ValidationFailed(problems, "The e-mail template is not valid.")
    return values


EMAIL_TEMPLATES = EntityKind(EmailTemplate, write="email_templates.write", prepare=template_values)


@dataclass(frozen=True, slots=True)
class TemplateVariables:
    """What a template may use: the variables of each trigger sending it, and of every event
    type (with the fields of whatever a trigger is attached to besides; None: an open payload,
    any name)."""

    used: list[str]
    senders: list[TemplateSender]
    events: dict[EventType, frozenset[str] | None]


async def template_variables(
    session: AsyncSession, principal: Principal, *, template_id: str
) -> TemplateVariables:
    require(principal, "email_templates.read")
    company_id = company_of(principal)
    row = await session.get(EmailTemplate, template_id)
    if row is None or row.company_id != company_id:
        raise NotFound(f"no e-mail template {template_id!r}")
    used: set[str] = set()
    for text in (row.subject, row.body):
        try:
            used |= template_names(text)
        except ErpError:
            continue  # a stored template parses; one from before the check may not
    return TemplateVariables(
        used=sorted(used),
        senders=await template_senders(session, company_id, row.id),
        events={event_type: event_variable_names(event_type) for event_type in EventType},
    )
