"""Request and response bodies of e-mail templates and the mail log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.organisation.schemas import Name
from api.structs import Body, Out
from core.models import MailStatus


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
