"""Declarative base, column types and mixins shared by every model."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# JSONB on PostgreSQL (indexable, comparable), plain JSON on SQLite.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python. PostgreSQL keeps the zone;
    SQLite keeps none, so values are normalised to UTC on the way in and marked UTC on the
    way out, and comparisons with `utcnow()` work on both."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def new_id() -> str:
    """A new primary key: a random UUID in its canonical text form (as the seed's uuid())."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Root of every model; constraint names follow NAMING_CONVENTION."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        datetime: UTCDateTime(),
        str: sa.String(),
    }


def id_column() -> Mapped[str]:
    return mapped_column(sa.String(36), primary_key=True, default=new_id)


def json_column(default: str, *, name: str | None = None) -> Any:
    """A JSON column with a database default such as '{}' or '[]' (as the seed's @default)."""
    args: tuple[Any, ...] = (name, JSONType) if name else (JSONType,)
    return mapped_column(
        *args,
        nullable=False,
        default=lambda: json.loads(default),
        server_default=sa.text(f"'{default}'"),
    )


def enum_column(enum_cls: type, default: Any | None = None, **kw: Any) -> Any:
    """A native enum on PostgreSQL (type named after the enum), VARCHAR on SQLite."""
    extra: dict[str, Any] = {}
    if default is not None:
        extra = {"default": default, "server_default": default.value}
    return mapped_column(
        sa.Enum(enum_cls, name=enum_cls.__name__.lower(), values_callable=_enum_values),
        **extra,
        **kw,
    )


def _enum_values(enum_cls: type) -> list[str]:
    return [member.value for member in enum_cls]  # type: ignore[attr-defined]


class Timestamps:
    """`createdAt` / `updatedAt` as in the seed (`@default(now())`, `@updatedAt`)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )


class TenantOwned:
    """A row that belongs to one company.

    The seed carries `companyId` only on top-level entities; the design asks every
    tenant-owned row to carry it, so that the data layer can scope every query (and
    PostgreSQL row-level security can back it up) without joining up to a parent.
    """

    @declared_attr
    def company_id(cls) -> Mapped[str]:
        return mapped_column(
            sa.String(36),
            sa.ForeignKey("companies.id", ondelete="CASCADE"),
            nullable=False,
        )
