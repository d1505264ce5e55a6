"""The one way entities are written: scoped to the caller's company, audited in the same
transaction, uniqueness conflicts reported as Conflict rather than database errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.access.policy import Principal
from core.audit import record_audit, snapshot
from core.errors import Conflict, NotFound
from core.models import User, utcnow
from core.models.base import Base, TenantOwned

M = TypeVar("M", bound=Base)


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    """One page of a listing and the total number of matching rows."""

    items: Sequence[M]
    total: int
    limit: int
    offset: int


def entity_name(model: type[Base]) -> str:
    return model.__name__


def action_name(model: type[Base], verb: str) -> str:
    """`task.created`, `flow_level.updated`, ...: the audit action for `verb` on `model`."""
    name = "".join(f"_{c.lower()}" if c.isupper() else c for c in model.__name__).lstrip("_")
    return f"{name}.{verb}"


async def get_entity(
    session: AsyncSession,
    model: type[M],
    entity_id: str,
    *,
    options: Sequence[Any] = (),
    include_deleted: bool = False,
) -> M:
    """The row, or NotFound (also when it belongs to another company)."""
    stmt = sa.select(model).where(model.id == entity_id).options(*options)  # type: ignore[attr-defined]
    if not include_deleted and hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"{entity_name(model)} {entity_id} not found.")
    return row


async def list_entities(
    session: AsyncSession,
    model: type[M],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    limit: int = 50,
    offset: int = 0,
    options: Sequence[Any] = (),
) -> Page[M]:
    """A page of rows matching `where`, and their total, in two statements."""
    stmt = sa.select(model).where(*where)
    total = await session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    order = [*order_by, model.id]  # type: ignore[attr-defined]
    rows = (
        await session.scalars(stmt.order_by(*order).limit(limit).offset(offset).options(*options))
    ).all()
    return Page(rows, total, limit, offset)


async def create_entity(
    session: AsyncSession, principal: Principal, model: type[M], values: dict[str, Any]
) -> M:
    """Insert a row (in the caller's company when tenant-owned) and its audit entry."""
    row = model(**values)
    # Tenant-owned rows (and users, whose company is optional in the seed) belong to the
    # company the principal acts in; a client cannot choose another one.
    if isinstance(row, (TenantOwned, User)) and principal.company_id:
        row.company_id = principal.company_id
    session.add(row)
    await _flush(session, model)
    record_audit(
        session,
        principal,
        action_name(model, "created"),
        entity_name(model),
        row.id,  # type: ignore[attr-defined]
        after=snapshot(row),
        company_id=_company_of(row, principal),
    )
    return row


async def update_entity(
    session: AsyncSession, principal: Principal, row: M, changes: dict[str, Any]
) -> M:
    """Apply `changes` and audit what actually changed."""
    before = snapshot(row)
    for key, value in changes.items():
        setattr(row, key, value)
    await _flush(session, type(row))
    after = snapshot(row)
    if after != before:
        record_audit(
            session,
            principal,
            action_name(type(row), "updated"),
            entity_name(type(row)),
            row.id,  # type: ignore[attr-defined]
            before=before,
            after=after,
            company_id=_company_of(row, principal),
        )
    return row


async def delete_entity(session: AsyncSession, principal: Principal, row: Base) -> None:
    """Delete the row, softly (setting `deleted_at`) where the model has it."""
    before = snapshot(row)
    if hasattr(row, "deleted_at"):
        row.deleted_at = utcnow()
        verb = "deleted"
    else:
        await session.delete(row)
        verb = "deleted"
    await _flush(session, type(row))
    record_audit(
        session,
        principal,
        action_name(type(row), verb),
        entity_name(type(row)),
        row.id,  # type: ignore[attr-defined]
        before=before,
        company_id=_company_of(row, principal),
    )


def _company_of(row: Base, principal: Principal) -> str | None:
    company = getattr(row, "company_id", None)
    if company is None and type(row).__name__ == "Company":
        company = getattr(row, "id", None)
    return company or principal.company_id


async def _flush(session: AsyncSession, model: type[Base]) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else ""
        if "unique" in detail.lower() or "duplicate" in detail.lower():
            raise Conflict(f"A {entity_name(model)} with these values already exists.") from None
        if "foreign key" in detail.lower():
            raise Conflict(
                f"This {entity_name(model)} is still referenced, or references a missing row."
            ) from None
        raise
