"""Routes of e-mail: a company's templates and its mail log (read-only)."""

from __future__ import annotations

from litestar import Router

from api.mail.schemas import (
    EmailTemplateCreate,
    EmailTemplateOut,
    EmailTemplateUpdate,
    OutgoingEmailOut,
)
from api.resources import Resource, resource_router
from core.models import EmailTemplate, OutgoingEmail
from core.triggers.email_templates import EMAIL_TEMPLATES

email_templates = Resource(
    path="/email-templates",
    model=EmailTemplate,
    out=EmailTemplateOut,
    create=EmailTemplateCreate,
    update=EmailTemplateUpdate,
    read="email_templates.read",
    kind=EMAIL_TEMPLATES,
    tag="email-templates",
    filters={"type": EmailTemplate.type, "isActive": EmailTemplate.is_active},
    sortable={"name": EmailTemplate.name, "createdAt": EmailTemplate.created_at},
)


outgoing_emails = Resource(
    path="/outgoing-emails",
    model=OutgoingEmail,
    out=OutgoingEmailOut,
    create=None,
    update=None,
    read="mail.read",
    tag="outgoing-emails",
    can_delete=False,
    filters={
        "status": OutgoingEmail.status,
        "sourceId": OutgoingEmail.source_id,
        "runId": OutgoingEmail.run_id,
        "messageId": OutgoingEmail.message_id,
    },
    sortable={
        "createdAt": OutgoingEmail.created_at,
        "updatedAt": OutgoingEmail.updated_at,
        "status": OutgoingEmail.status,
    },
)


router = Router(
    path="/", route_handlers=[resource_router(email_templates), resource_router(outgoing_emails)]
)
