"""Response bodies of files, versions, audit logs and the mail log (all read-only but
files)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.organisation.schemas import Out
from core.models import LogLevel, MailStatus, UserRole, VersionStatus


class FileOut(Out):
    id: str
    original_name: str
    mimetype: str
    size: int
    uploaded_by: str
    context: str | None
    context_id: str | None
    uploaded_at: datetime


class VersionOut(Out):
    id: str
    version: str
    entity_type: str
    entity_id: str
    snapshot: dict[str, Any]
    changes: str | None
    change_log: list[Any]
    status: VersionStatus
    rollout_percentage: int
    deployed_to_clients: list[Any]
    created_by: str
    created_at: datetime
    published_at: datetime | None


class AuditUser(Out):
    """The author of an entry: a user of the company, or a platform developer acting in it
    (`role` DEVELOPER). Null throughout for an author the company may not know of."""

    first_name: str | None
    last_name: str | None
    email: str | None
    role: UserRole | None


class AuditLogOut(Out):
    id: str
    user_id: str
    user: AuditUser
    action: str
    entity: str
    entity_id: str
    changes: dict[str, Any] | None
    metadata: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    level: LogLevel
    timestamp: datetime


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
