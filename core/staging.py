"""Append-only rows (audit entries, outbox events, new records) written with SQLAlchemy Core
instead of the ORM's unit of work, in as few statements as the backend allows.

A row is staged on the session with `stage()`; the staged rows are inserted before the
session's next query (unless autoflush is off, as in `session.no_autoflush`) and before it
commits, after the ORM's own pending changes (a staged row may refer to a row added in the
same transaction). On PostgreSQL they go out as one statement, chaining the inserts as
data-modifying CTEs (which PostgreSQL runs in no promised order: a table whose rows must be
ordered gives them an explicit time, as flow history does); on SQLite, and for large
batches, as one multi-row INSERT per table. A rollback discards them.

Statements issued on `session.connection()` directly (bypassing `session.execute`) do not
see staged rows; call `write_staged()` first if one must."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache, lru_cache, partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

STAGED_KEY = "staged_rows"
"""`session.info` key of the rows waiting to be inserted."""

MAX_COMBINED = 32
"""Up to this many staged rows go out as one statement on PostgreSQL; more are inserted
table by table (a statement of thousands of parameters costs more to build than it saves)."""

Staged = list[tuple[sa.Table, dict[str, Any]]]


def stage(session: AsyncSession | Session, table: sa.Table, values: dict[str, Any]) -> None:
    """Queue a row of `table` (keys are column names) for insertion in the session's
    transaction. Columns left out take their Python-side default (ids, timestamps) or their
    server default."""
    row = dict(values)
    for name, make in _python_defaults(table):
        if name not in row:
            row[name] = make()
    info = session.info
    staged: Staged | None = info.get(STAGED_KEY)
    if staged is None:
        info[STAGED_KEY] = staged = []
    staged.append((table, row))


def write_staged(session: Session, transaction: SessionTransaction | None = None) -> None:
    """Insert the staged rows now, in `transaction` (the session's current one by default).
    Synchronous: called from SQLAlchemy's session events, or through
    `AsyncSession.run_sync`."""
    staged: Staged | None = session.info.pop(STAGED_KEY, None)
    if not staged:
        return
    if transaction is None:
        session.flush()
        connection = session.connection()
    else:
        connection = transaction.connection(None)
    if connection.dialect.name == "postgresql" and len(staged) <= MAX_COMBINED:
        shape = tuple((table, tuple(row)) for table, row in staged)
        params = {
            f"p{i}_{name}": value
            for i, (_, row) in enumerate(staged)
            for name, value in row.items()
        }
        connection.execute(_combined_insert(shape), params)
        return
    # Rows by (table, their columns), in the order their tables were first staged: a row may
    # refer to a row staged before it.
    groups: dict[tuple[sa.Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    for table, row in staged:
        groups.setdefault((table, tuple(row)), []).append(row)
    for (table, _columns), rows in groups.items():
        connection.execute(sa.insert(table), rows)


@lru_cache(maxsize=512)
def _combined_insert(shape: tuple[tuple[sa.Table, tuple[str, ...]], ...]) -> sa.Insert:
    """One INSERT per row of `shape`, the earlier ones as CTEs of the last. Built once per
    shape, so SQLAlchemy compiles it once (single-row VALUES: a multi-row VALUES clause
    defeats SQLAlchemy's statement cache)."""
    inserts = [
        sa.insert(table).values(
            {name: sa.bindparam(f"p{i}_{name}", type_=table.c[name].type) for name in columns}
        )
        for i, (table, columns) in enumerate(shape)
    ]
    *first, last = inserts
    if not first:
        return last
    return last.add_cte(*(insert.cte(f"staged_{i}") for i, insert in enumerate(first)))


@cache
def _python_defaults(table: sa.Table) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """(column name, maker) for every column with a Python-side default."""
    return tuple(_defaults(table))


def _defaults(table: sa.Table) -> Iterator[tuple[str, Callable[[], Any]]]:
    for column in table.columns:
        default = column.default
        if default is None or not isinstance(default, sa.ColumnDefault):
            continue
        if default.is_callable:
            # SQLAlchemy wraps a zero-argument default into one taking the execution context.
            yield column.name, partial(default.arg, None)
        elif default.is_scalar:
            yield column.name, partial(_same, default.arg)


def _same(value: Any) -> Any:
    return value


def _before_query(state: ORMExecuteState) -> None:
    # Under `session.no_autoflush` a query does not see pending changes, staged rows
    # included: they wait (with the ORM's own) for the next flush point.
    session = state.session
    if session.autoflush and session.info.get(STAGED_KEY):
        write_staged(session)


def _before_commit(session: Session) -> None:
    if session.info.get(STAGED_KEY):
        write_staged(session)


def _before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # Rows staged before a savepoint must not be lost with it if it rolls back: they go out
    # in the enclosing transaction before it opens (SQLAlchemy has just flushed the ORM's
    # changes). Rows staged inside it are then all its own.
    if transaction.nested and session.info.get(STAGED_KEY):
        write_staged(session, transaction.parent)


def _discard(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(STAGED_KEY, None)


event.listen(Session, "do_orm_execute", _before_query)
event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_transaction_create", _before_savepoint)
event.listen(Session, "after_soft_rollback", _discard)
