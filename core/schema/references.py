"""Look up, in one query per kind, the files, users and records that values point at."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Base, CustomTable, CustomTableRecord, File, User
from core.plugins.fields import FileInfo, RecordInfo, Reference, Referenced, UserInfo

_FILES = Base.metadata.tables[File.__tablename__].c
_USERS = Base.metadata.tables[User.__tablename__].c
_RECORD_ROWS = Base.metadata.tables[CustomTableRecord.__tablename__]
_TABLE_ROWS = Base.metadata.tables[CustomTable.__tablename__]
_RECORDS, _TABLES = _RECORD_ROWS.c, _TABLE_ROWS.c

# Built once, as Core statements with the company in them: a submission with a file or a user
# looks them up on every write, and building the statements costs more than running them.
_FILES_BY_ID = sa.select(_FILES.id, _FILES.original_name, _FILES.mimetype, _FILES.size).where(
    _FILES.company_id == sa.bindparam("company_id"),
    _FILES.id.in_(sa.bindparam("ids", expanding=True)),
)
_USERS_BY_ID = sa.select(_USERS.id, _USERS.email, _USERS.is_active).where(
    _USERS.company_id == sa.bindparam("company_id"),
    _USERS.id.in_(sa.bindparam("ids", expanding=True)),
)
_RECORDS_BY_ID = (
    sa.select(_RECORDS.id, _TABLES.name)
    .join_from(_RECORD_ROWS, _TABLE_ROWS, _TABLES.id == _RECORDS.table_id)
    .where(
        _RECORDS.company_id == sa.bindparam("company_id"),
        _RECORDS.id.in_(sa.bindparam("ids", expanding=True)),
        _RECORDS.deleted_at.is_(None),
    )
)


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
        files = await session.execute(_FILES_BY_ID, {"company_id": company_id, "ids": list(ids)})
        for fid, name, mimetype, size in files:
            found[Reference("file", fid)] = FileInfo(fid, name, mimetype, size)
    if ids := by_kind.get("user"):
        users = await session.execute(_USERS_BY_ID, {"company_id": company_id, "ids": list(ids)})
        for uid, email, active in users:
            found[Reference("user", uid)] = UserInfo(uid, email, active)
    if ids := by_kind.get("record"):
        rows = await session.execute(_RECORDS_BY_ID, {"company_id": company_id, "ids": list(ids)})
        for rid, table in rows:
            ref = Reference("record", rid, table)
            if ref in found:
                found[ref] = RecordInfo(rid, table)
    return found
