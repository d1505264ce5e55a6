"""Write AuditLog rows with before/after changes; secrets never reach the log."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.policy import Principal
from core.models import AuditLog, LogLevel
from core.models.base import Base
from core.staging import stage

AUDIT_LOGS = Base.metadata.tables[AuditLog.__tablename__]

SECRET_KEYS = frozenset(
    {
        "password",
        "secret",
        "token",
        "apikey",
        "api_key",
        "accesstoken",
        "access_token",
        "refreshtoken",
        "refresh_token",
        "clientsecret",
        "client_secret",
        "privatekey",
        "private_key",
        "signingsecret",
        "signing_secret",
        "credentials",
    }
)
REDACTED = "***"


def snapshot(row: Base | Mapping[str, Any]) -> dict[str, Any]:
    """The row's column values (a loaded row, or a mapping of them) as JSON-ready data,
    with secret values redacted."""
    if isinstance(row, Mapping):
        return {key: _redact(key, _jsonable(value)) for key, value in row.items()}
    mapper = inspect(type(row))
    return {
        attr.key: _redact(attr.key, _jsonable(getattr(row, attr.key)))
        for attr in mapper.column_attrs
    }


def record_audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity: str,
    entity_id: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    company_id: str | None = None,
    level: LogLevel = LogLevel.INFO,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Stage an AuditLog row in the caller's transaction (see core.staging). For updates
    only the keys that changed are kept in `changes`."""
    if before is not None and after is not None:
        keys = [k for k in after if before.get(k) != after.get(k)]
        changes: dict[str, Any] | None = {
            "before": {k: before.get(k) for k in keys},
            "after": {k: after[k] for k in keys},
        }
    elif before is None and after is None:
        changes = None
    else:
        changes = {"before": before, "after": after}
    stage(
        session,
        AUDIT_LOGS,
        {
            "user_id": principal.user_id,
            "api_key_id": principal.api_key_id,
            "company_id": company_id if company_id is not None else principal.company_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "changes": changes,
            "metadata": metadata or {},
            "ip_address": principal.ip_address,
            "user_agent": principal.user_agent,
            "level": level,
        },
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _redact(key: str, value: Any) -> Any:
    if key.replace("-", "_").lower() in SECRET_KEYS:
        return REDACTED if value is not None else None
    if isinstance(value, dict):
        return {k: _redact(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact("", v) for v in value]
    return value
