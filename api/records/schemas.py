"""Request and response bodies of custom tables, records and datasets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.organisation.schemas import Name
from api.pagination import MAX_OFFSET
from api.structs import Body, Out, mapper, to_out
from core.models import CustomTableRecord, Dataset, DatasetStatus
from core.records import DatasetView, NewRecord, SchemaImpact, StoredRecord

FieldDefinition = dict[str, Any]
TableName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class TableOut(Out):
    id: str
    name: str
    display_name: str
    description: str | None
    schema: list[FieldDefinition]
    relations: list[dict[str, Any]]
    settings: dict[str, Any]
    permissions: dict[str, Any]
    company_id: str
    created_at: datetime
    updated_at: datetime


class TableCreate(Body):
    name: TableName
    display_name: Name
    schema: list[FieldDefinition]
    description: str | None = None
    relations: list[dict[str, Any]] = msgspec.field(default_factory=list)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    permissions: dict[str, Any] = msgspec.field(default_factory=dict)
    """Per role (MANAGER, EMPLOYEE or a company role's name): read, create, update, delete
    each all, own or none, and fields {id: write, read or none}; docs/records.md."""


class TableUpdate(Body):
    display_name: Name | UnsetType = UNSET
    description: str | UnsetType = UNSET
    schema: list[FieldDefinition] | UnsetType = UNSET
    relations: list[dict[str, Any]] | UnsetType = UNSET
    settings: dict[str, Any] | UnsetType = UNSET
    permissions: dict[str, Any] | UnsetType = UNSET


class SchemaCheckIn(Body):
    """A table's new schema, with the relations and permissions it would have (its own when
    left out)."""

    schema: list[FieldDefinition]
    relations: list[dict[str, Any]] | UnsetType = UNSET
    permissions: dict[str, Any] | UnsetType = UNSET


class FieldChangeOut(Out):
    id: str
    label: str
    type: str
    before: str | None
    """The type it had (type changes)."""
    values: int
    """Live records holding a value for the field."""
    required: bool


class RecordProblemOut(Out):
    path: str
    """`records[<record id>].<field id>`."""
    message: str
    code: str


class SchemaCheckOut(Out):
    """What saving the schema would do, nothing written: `fits` is false when some records
    would no longer fit (then saving is refused, and `problems` say why, up to 100)."""

    fits: bool
    records: int
    misfits: int
    problems: list[RecordProblemOut]
    dropped: list[FieldChangeOut]
    """Fields removed; their values are removed from the records."""
    added: list[FieldChangeOut]
    retyped: list[FieldChangeOut]
    indexes_added: list[str]
    indexes_dropped: list[str]


class TableSchemasOut(Out):
    """JSON Schemas of a table's relations and permissions, and the platform roles its
    permissions may name besides the company's roles (GET /roles)."""

    relations: dict[str, Any]
    permissions: dict[str, Any]
    platform_roles: list[str]


class RecordOut(Out):
    id: str
    table_id: str
    data: dict[str, Any]
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    expanded: dict[str, Any] | UnsetType = UNSET


class RecordWrite(Body):
    data: dict[str, Any]


MAX_RECORDS_PAGE = 1000
"""Record lists page up to this many rows (other lists: api.pagination.MAX_LIMIT)."""

CountMode = Literal["exact", "bounded", "none"]
"""How a record list counts its total: every match, up to 10,000, or not at all."""


Cursor = Annotated[str, Meta(max_length=4096)]
"""A page's `nextCursor`: opaque, valid with the sort it was made for."""


class RecordQuery(Body):
    """A list query with the filter in the body (JSONLogic or the seed's condition format).
    `after` (a previous page's `nextCursor`) starts the page after that page's last row,
    with `offset` 0."""

    where: Any = None
    sort: list[str] = msgspec.field(default_factory=list)
    limit: Annotated[int, Meta(ge=1, le=MAX_RECORDS_PAGE)] = 50
    offset: Annotated[int, Meta(ge=0, le=MAX_OFFSET)] = 0
    after: Cursor | None = None
    expand: list[str] = msgspec.field(default_factory=list)
    deleted: bool = False
    count: CountMode = "exact"


class RecordPage(Out):
    """`total` is null when not counted (count=none) and a lower bound when `totalIsExact`
    is false (count=bounded past its bound). `nextCursor` reads the page after this one
    (pass it as `after`), null on the last page."""

    items: list[RecordOut]
    total: int | None
    limit: int
    offset: int
    total_is_exact: bool
    next_cursor: str | None


class RecordCount(Out):
    """How many records match: exactly, or with count=bounded past 10,000, `total` is
    10,000 and `totalIsExact` false (there are more)."""

    total: int
    total_is_exact: bool


class BulkCreate(Body):
    records: list[dict[str, Any]]


class BulkUpdateItem(Body):
    id: str
    data: dict[str, Any]


class BulkUpdate(Body):
    records: list[BulkUpdateItem]


class BulkDelete(Body):
    ids: list[str]


class BulkResult(Out):
    count: int
    ids: list[str]


class DatasetOut(Out):
    id: str
    name: str
    description: str | None
    category: str | None
    sections: list[dict[str, Any]]
    visibility: dict[str, Any]
    status: DatasetStatus
    company_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    version: str | None = None
    """The release the company reads (null: no version reaches it, its row applies)."""


class DatasetCreate(Body):
    name: Name
    sections: list[dict[str, Any]]
    description: str | None = None
    category: str | None = None
    visibility: dict[str, Any] = msgspec.field(default_factory=dict)


class DatasetUpdate(Body):
    name: Name | UnsetType = UNSET
    sections: list[dict[str, Any]] | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    category: str | UnsetType | None = UNSET
    visibility: dict[str, Any] | UnsetType = UNSET


table_out = mapper(TableOut)


def schema_check_out(impact: SchemaImpact) -> SchemaCheckOut:
    return SchemaCheckOut(
        fits=impact.fits,
        records=impact.records,
        misfits=impact.misfits,
        problems=[
            RecordProblemOut(path=p.path, message=p.message, code=p.code) for p in impact.problems
        ],
        dropped=[to_out(FieldChangeOut, c) for c in impact.dropped],
        added=[to_out(FieldChangeOut, c) for c in impact.added],
        retyped=[to_out(FieldChangeOut, c) for c in impact.retyped],
        indexes_added=impact.indexes_added,
        indexes_dropped=impact.indexes_dropped,
    )


def record_out(
    row: CustomTableRecord | NewRecord | StoredRecord, expanded: dict[str, Any] | None = None
) -> RecordOut:
    return RecordOut(
        id=row.id,
        table_id=row.table_id,
        data=row.data,
        created_by=row.created_by,
        updated_by=row.updated_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        expanded=UNSET if expanded is None else expanded,
    )


def dataset_out(row: Dataset | DatasetView) -> DatasetOut:
    return DatasetOut(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        sections=row.sections,
        visibility=row.visibility,
        status=row.status,
        company_id=row.company_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        version=row.version if isinstance(row, DatasetView) else None,
    )


def changes_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body sets (snake_case), leaving out the unset ones."""
    return {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not UNSET}
