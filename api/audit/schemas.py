"""Response bodies of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.structs import Out
from core.models import LogLevel, UserRole


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
    api_key_id: str | None
    """The API key the change was made with (`user` is then the key's creator)."""
    api_key_name: str | None
    actor: str
    """Who acted, as a person reads it: the API key's name, or the author's name or e-mail."""
    action: str
    entity: str
    entity_id: str
    changes: dict[str, Any] | None
    metadata: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    level: LogLevel
    timestamp: datetime
