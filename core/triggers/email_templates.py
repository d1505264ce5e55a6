"""E-mail templates of a company: their write side (core.entities.EntityKind). A template is
checked as the triggers that send it are: its texts must parse, and a change may not use a
variable that one of those triggers could never fill."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.entities import EntityKind
from core.errors import ErpError, FieldProblem, ValidationFailed
from core.models import EmailTemplate
from core.settings import Settings
from core.templating import template_names
from core.tenancy import company_of
from core.triggers.service import unfillable_by_senders


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
