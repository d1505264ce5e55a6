"""Routes of the audit trail: read-only, each entry with its author's name."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Router
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.schemas import AuditLogOut, AuditUser
from api.resources import Resource, resource_router
from core.audit.reading import UNKNOWN, Author, authors_of, key_names
from core.models import AuditLog


async def present_audit(db: AsyncSession, rows: Sequence[AuditLog]) -> list[AuditLogOut]:
    authors = await authors_of(db, (row.user_id for row in rows))
    names = await key_names(db, (row.api_key_id for row in rows))
    return [_audit_out(row, authors.get(row.user_id, UNKNOWN), names) for row in rows]


def _actor(row: AuditLog, author: Author, key_name: str | None) -> str:
    if row.api_key_id is not None:
        return f"API key {key_name}" if key_name else "API key"
    name = " ".join(p for p in (author.first_name, author.last_name) if p)
    return name or author.email or "Unknown"


def _audit_out(row: AuditLog, author: Author, key_names: dict[str, str]) -> AuditLogOut:
    key_name = key_names.get(row.api_key_id) if row.api_key_id else None
    return AuditLogOut(
        id=row.id,
        user_id=row.user_id,
        api_key_id=row.api_key_id,
        api_key_name=key_name,
        actor=_actor(row, author, key_name),
        user=AuditUser(
            first_name=author.first_name,
            last_name=author.last_name,
            email=author.email,
            role=author.role,
        ),
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        changes=row.changes,
        metadata=row.metadata_,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        level=row.level,
        timestamp=row.timestamp,
    )


audit_logs = Resource(
    path="/audit-logs",
    model=AuditLog,
    out=AuditLogOut,
    create=None,
    update=None,
    read="audit.read",
    tag="audit-logs",
    can_delete=False,
    filters={
        "entity": AuditLog.entity,
        "entityId": AuditLog.entity_id,
        "userId": AuditLog.user_id,
        "action": AuditLog.action,
        "level": AuditLog.level,
    },
    sortable={"timestamp": AuditLog.timestamp, "action": AuditLog.action},
    period=AuditLog.timestamp,
    default_sort="-timestamp",
    present_rows=present_audit,
)


router = Router(path="/", route_handlers=[resource_router(audit_logs)])
