"""Look up, in one query per kind, the files, users and records that values point at."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import CustomTable, CustomTableRecord, File, User
from core.plugins.fields import FileInfo, RecordInfo, Reference, Referenced, UserInfo


async def resolve_references(
    session: AsyncSession, company_id: str, references: Iterable[Reference]
) -> dict[Reference, Referenced | None]:
    """What the company has for each reference (None where it has nothing)."""
    refs = set(references)
    found: dict[Reference, Referenced | None] = dict.fromkeys(refs)
    by_kind: dict[str, set[str]] = {}
    for ref in refs:
        by_kind.setdefault(ref.kind, set()).add(ref.id)
    if ids := by_kind.get("file"):
        files = await session.execute(
            sa.select(File.id, File.original_name, File.mimetype, File.size).where(
                File.company_id == company_id, File.id.in_(ids)
            )
        )
        for fid, name, mimetype, size in files:
            found[Reference("file", fid)] = FileInfo(fid, name, mimetype, size)
    if ids := by_kind.get("user"):
        users = await session.execute(
            sa.select(User.id, User.email, User.is_active).where(
                User.company_id == company_id, User.id.in_(ids)
            )
        )
        for uid, email, active in users:
            found[Reference("user", uid)] = UserInfo(uid, email, active)
    if ids := by_kind.get("record"):
        rows = await session.execute(
            sa.select(CustomTableRecord.id, CustomTable.name)
            .join(CustomTable, CustomTable.id == CustomTableRecord.table_id)
            .where(
                CustomTableRecord.company_id == company_id,
                CustomTableRecord.id.in_(ids),
                CustomTableRecord.deleted_at.is_(None),
            )
        )
        for rid, table in rows:
            ref = Reference("record", rid, table)
            if ref in found:
                found[ref] = RecordInfo(rid, table)
    return found
