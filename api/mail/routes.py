"""Routes of e-mail: a company's templates (with their preview, test send and variables)
and its mail log (read-only)."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from api.deps import DB, Actor
from api.guards import requires
from api.mail.schemas import (
    DraftPreviewIn,
    EmailTemplateCreate,
    EmailTemplateOut,
    EmailTemplateUpdate,
    EventVariablesOut,
    OutgoingEmailOut,
    TemplatePreviewIn,
    TemplatePreviewOut,
    TemplateSenderOut,
    TemplateVariablesOut,
    TestSendIn,
    TestSendOut,
)
from api.resources import Resource, resource_router
from core import mail
from core.mail import RenderedMail
from core.models import EmailTemplate, OutgoingEmail
from core.triggers.email_templates import EMAIL_TEMPLATES, template_variables


def _preview_out(rendered: RenderedMail) -> TemplatePreviewOut:
    return TemplatePreviewOut(
        subject=rendered.subject, body=rendered.body, warnings=rendered.warnings
    )


@post(
    "/preview",
    guards=[requires("email_templates.read")],
    status_code=200,
    summary="Render a template not saved yet with sample data (the server's sandbox)",
)
async def preview_draft(
    db: DB, principal: Actor, data: JSONBody[DraftPreviewIn]
) -> TemplatePreviewOut:
    rendered = await mail.preview_template(
        db, principal, subject=data.subject, body=data.body, variables=data.variables
    )
    return _preview_out(rendered)


@post(
    "/{id:str}/preview",
    guards=[requires("email_templates.read")],
    status_code=200,
    summary="Render the template with sample data (the server's sandbox); nothing is sent",
)
async def preview(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[TemplatePreviewIn]
) -> TemplatePreviewOut:
    rendered = await mail.preview_template(
        db,
        principal,
        template_id=id,
        subject=data.subject,
        body=data.body,
        variables=data.variables,
    )
    return _preview_out(rendered)


@post(
    "/{id:str}/test-send",
    guards=[requires("email_templates.write")],
    status_code=200,
    summary="Send the template rendered with sample data to one address, through the mail log",
)
async def test_send(
    db: DB, state: State, principal: Actor, id: FromPath[str], data: JSONBody[TestSendIn]
) -> TestSendOut:
    sent = await mail.send_test(
        db,
        state.sessions,
        state.settings,
        principal,
        template_id=id,
        to=data.to,
        variables=data.variables,
        subject=data.subject,
        body=data.body,
    )
    return TestSendOut(
        to=sent.to,
        subject=sent.rendered.subject,
        body=sent.rendered.body,
        warnings=sent.rendered.warnings,
        mail_id=sent.delivery.mail_id,
        status=sent.delivery.status,
        message_id=sent.delivery.message_id,
        error=sent.error,
    )


@get(
    "/{id:str}/variables",
    guards=[requires("email_templates.read")],
    summary="The variables the template may use: of the triggers sending it, of each event",
)
async def variables(db: DB, principal: Actor, id: FromPath[str]) -> TemplateVariablesOut:
    found = await template_variables(db, principal, template_id=id)
    return TemplateVariablesOut(
        used=found.used,
        senders=[
            TemplateSenderOut(
                trigger_id=s.trigger_id,
                trigger_name=s.trigger_name,
                event_type=s.event_type,
                variables=None if s.variables is None else sorted(s.variables),
            )
            for s in found.senders
        ],
        events=[
            EventVariablesOut(event_type=t, variables=None if v is None else sorted(v))
            for t, v in found.events.items()
        ],
    )


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
    extra=[preview_draft, preview, test_send, variables],
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
