"""What a new schema would do to a table's live records: the records that would no longer
fit, the fields dropped with the values they hold, the fields whose type changes, the indexes
made and dropped. Read only: the table designer shows it before the change is saved, and
saving refuses the change on the same findings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.models import CustomTableRecord
from core.schema import CompiledSchema, clean_many

CHECK_BATCH = 1_000
MAX_REPORTED = 100
"""At most this many problems are listed when records do not fit a new schema."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field the new schema drops, adds or retypes; `values`: how many live records hold a
    value for it (a dropped field's values are removed from them)."""

    id: str
    label: str
    type: str
    before: str | None = None
    """The type it had (type changes only)."""
    values: int = 0
    required: bool = False


@dataclass(frozen=True, slots=True)
class SchemaImpact:
    records: int
    """Live records checked."""
    misfits: int
    """Records that would not fit; their problems (paths `records[<id>].<field>`) below."""
    problems: list[FieldProblem] = field(default_factory=list)
    dropped: list[FieldChange] = field(default_factory=list)
    added: list[FieldChange] = field(default_factory=list)
    retyped: list[FieldChange] = field(default_factory=list)
    indexes_added: list[str] = field(default_factory=list)
    indexes_dropped: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.misfits == 0

    def refusal(self) -> ValidationFailed:
        return ValidationFailed(
            self.problems,
            f"{self.misfits} record(s) do not fit the new schema; nothing was changed",
        )


def _indexed(schema: CompiledSchema) -> set[str]:
    return {d.id for d in schema.definitions if d.indexed and schema.kinds[d.id] != "list"}


async def schema_impact(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    current: CompiledSchema,
    new: CompiledSchema,
) -> SchemaImpact:
    """Check every live record of the table against `new` (the values of fields it drops do
    not count: they are removed), and compare the two schemas."""
    problems: list[FieldProblem] = []
    misfits = 0
    records = 0
    held: Counter[str] = Counter()
    last = ""
    while True:
        # Keyset batches: reference checks run between them on the same connection.
        batch = (
            await session.execute(
                sa.select(CustomTableRecord.id, CustomTableRecord.data)
                .where(
                    CustomTableRecord.company_id == company_id,
                    CustomTableRecord.table_id == table_id,
                    CustomTableRecord.deleted_at.is_(None),
                    CustomTableRecord.id > last,
                )
                .order_by(CustomTableRecord.id)
                .limit(CHECK_BATCH)
            )
        ).all()
        if not batch:
            break
        last = batch[-1][0]
        records += len(batch)
        for _, data in batch:
            held.update(k for k, v in data.items() if v not in (None, "", []))
        items = [({k: v for k, v in data.items() if k in new.by_id}, None) for _, data in batch]
        prefixes = [f"records[{rid}]." for rid, _ in batch]
        try:
            await clean_many(
                session, company_id=company_id, schema=new, items=items, prefixes=prefixes
            )
        except ValidationFailed as exc:
            misfits += len({p.path.split("]")[0] for p in exc.problems})
            problems.extend(exc.problems[: max(0, MAX_REPORTED - len(problems))])
    old_ids, new_ids = set(current.by_id), set(new.by_id)
    return SchemaImpact(
        records=records,
        misfits=misfits,
        problems=problems,
        dropped=[
            FieldChange(d.id, d.label, d.type, values=held[d.id])
            for d in current.definitions
            if d.id not in new_ids
        ],
        added=[
            FieldChange(d.id, d.label, d.type, required=d.required)
            for d in new.definitions
            if d.id not in old_ids
        ],
        retyped=[
            FieldChange(d.id, d.label, d.type, before=current.by_id[d.id].type, values=held[d.id])
            for d in new.definitions
            if d.id in old_ids and current.by_id[d.id].type != d.type
        ],
        indexes_added=sorted(_indexed(new) - _indexed(current)),
        indexes_dropped=sorted(_indexed(current) - _indexed(new)),
    )
