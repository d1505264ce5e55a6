"""Request and response bodies of e-mail templates and the mail log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.organisation.schemas import Name
from api.structs import Body, Out
from core.models import EventType, MailStatus


class EmailTemplateOut(Out):
    id: str
    name: str
    subject: str
    body: str
    variables: list[str]
    type: str
    is_active: bool
    company_id: str
    created_at: datetime
    updated_at: datetime


Text = Annotated[str, Meta(min_length=1, max_length=100_000)]


TemplateType = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class EmailTemplateCreate(Body):
    name: Name
    subject: Annotated[str, Meta(min_length=1, max_length=998)]
    body: Text
    type: TemplateType
    variables: list[str] = msgspec.field(default_factory=list)
    is_active: bool = True


class EmailTemplateUpdate(Body):
    name: Name | UnsetType = UNSET
    subject: Annotated[str, Meta(min_length=1, max_length=998)] | UnsetType = UNSET
    body: Text | UnsetType = UNSET
    type: TemplateType | UnsetType = UNSET
    variables: list[str] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


Subject = Annotated[str, Meta(max_length=998)]
SampleData = Annotated[dict[str, Any], Meta(max_length=500)]


class TemplatePreviewIn(Body):
    """Sample data to render a stored template with; `subject` and `body` replace its own
    (an edit not saved yet)."""

    variables: SampleData = msgspec.field(default_factory=dict)
    subject: Subject | None = None
    body: Text | None = None


class DraftPreviewIn(Body):
    """A template not saved yet, and sample data to render it with."""

    subject: Subject
    body: Text
    variables: SampleData = msgspec.field(default_factory=dict)


class TemplatePreviewOut(Out):
    """The template rendered by the server's sandbox, as send_email would send it; a warning
    for each variable the sample data lacks (rendered empty)."""

    subject: str
    body: str
    warnings: list[str]


class TestSendIn(Body):
    to: Annotated[str, Meta(min_length=3, max_length=320)]
    variables: SampleData = msgspec.field(default_factory=dict)
    subject: Subject | None = None
    body: Text | None = None


class TestSendOut(Out):
    """What was sent and its mail log row (`GET /outgoing-emails/{mailId}`): SENT, CAPTURED
    (no SMTP server configured) or FAILED with `error`."""

    to: str
    subject: str
    body: str
    warnings: list[str]
    mail_id: str
    status: MailStatus
    message_id: str
    error: str | None = None


class TemplateSenderOut(Out):
    trigger_id: str
    trigger_name: str
    event_type: EventType
    variables: list[str] | None
    """null: the trigger's events carry an open payload (a webhook's body): any name."""


class EventVariablesOut(Out):
    event_type: EventType
    variables: list[str] | None
    """Before the fields of what a trigger is attached to (its form's or table's fields are
    variables too, by id, label and label slug); null: an open payload."""


class TemplateVariablesOut(Out):
    """The variables a template may use: those it uses now, those of each active trigger that
    sends it (a change may only use what every one of them fills), and each event type's."""

    used: list[str]
    senders: list[TemplateSenderOut]
    events: list[EventVariablesOut]


class OutgoingEmailOut(Out):
    """One e-mail of the mail log: to whom, what, and what became of it."""

    id: str
    message_id: str
    sender: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    body: str
    html: str | None
    status: MailStatus
    error: str | None
    attempts: int
    source_id: str | None
    run_id: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
