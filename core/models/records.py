"""Datasets, custom tables and their records: the seed's sections 6 and 7."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import (
    Base,
    JSONType,
    TenantOwned,
    Timestamps,
    enum_column,
    id_column,
    json_column,
)
from core.models.enums import DatasetStatus

if TYPE_CHECKING:
    from core.models.tenancy import Company


class Dataset(TenantOwned, Timestamps, Base):
    """A sectioned collection of fields, readable by the roles/departments in `visibility`."""

    __tablename__ = "datasets"
    __table_args__ = (sa.Index("idx_datasets_company", "company_id"),)

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    category: Mapped[str | None]
    sections: Mapped[list[Any]] = mapped_column(JSONType)
    visibility: Mapped[dict[str, Any]] = json_column("{}")
    status: Mapped[DatasetStatus] = enum_column(DatasetStatus, DatasetStatus.DRAFT)
    published_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()


class CustomTable(TenantOwned, Timestamps, Base):
    """A company-defined table: `schema` holds its field definitions, `permissions` who may
    do what with its records."""

    __tablename__ = "custom_tables"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "name"),
        sa.Index("idx_custom_tables_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    display_name: Mapped[str]
    description: Mapped[str | None]
    schema: Mapped[list[Any]] = mapped_column(JSONType)
    relations: Mapped[list[Any]] = json_column("[]")
    settings: Mapped[dict[str, Any]] = json_column("{}")
    # Beyond the seed: who may read, create, change and delete records, and see or write
    # which fields, per role (core.records.permissions); versioned with the schema.
    permissions: Mapped[dict[str, Any]] = json_column("{}")

    company: Mapped[Company] = relationship()
    records: Mapped[list[CustomTableRecord]] = relationship(
        back_populates="table", cascade="all, delete-orphan", passive_deletes=True
    )


class CustomTableRecord(TenantOwned, Timestamps, Base):
    """A row of a custom table; `deleted_at` marks a soft delete."""

    __tablename__ = "custom_table_records"
    __table_args__ = (
        sa.Index("idx_custom_table_records_table", "table_id"),
        sa.Index("idx_custom_table_records_soft_delete", "deleted_at"),
        sa.Index("idx_custom_table_records_company", "company_id"),
        # Beyond the seed: the default page (a table's live records in creation order) reads
        # its rows in order from here instead of sorting every live record.
        sa.Index(
            "idx_custom_table_records_live_page",
            "table_id",
            "created_at",
            "id",
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    table_id: Mapped[str] = mapped_column(sa.ForeignKey("custom_tables.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by: Mapped[str | None]
    updated_by: Mapped[str | None]
    deleted_at: Mapped[datetime | None]

    table: Mapped[CustomTable] = relationship(back_populates="records")
