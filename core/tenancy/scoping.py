"""Apply the session's company to every ORM query, so no caller can forget it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from core.models import AuditLog, Company, User
from core.models.base import TenantOwned

COMPANY_KEY = "company_id"
"""`session.info` key holding the company a session acts for; absent means platform-level."""

COMPANY_SETTING = "erp.company_id"
"""The PostgreSQL setting that row-level security policies compare each row's company with
(migration 0012); unset or empty means platform-level."""

_SET_COMPANY = f"SELECT set_config('{COMPANY_SETTING}', $1, true)"


def tenant_of(session: Session) -> str | None:
    """The company the session is confined to, if any."""
    return session.info.get(COMPANY_KEY)


_NAMED_KEY = "erp_row_security_company"
"""`session.info` key: the company the open transaction named to the row-level security
policies (None: none), so that a company set later is named before the next statement."""


def _scope_to_company(state: ORMExecuteState) -> None:
    company_id = state.session.info.get(COMPANY_KEY)
    if company_id != state.session.info.get(_NAMED_KEY, company_id):
        # The company was set after the transaction began: its policies learn it now.
        _name_company(state.session, state.session.connection(), company_id)
    # Column loads refresh rows that were already scoped when first loaded.
    if company_id is None or state.is_column_load:
        return
    # Core statements (on Table objects) take no loader criteria: nothing to add.
    if not state.is_orm_statement or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_criteria(company_id))


@lru_cache(maxsize=4096)
def _criteria(company_id: str) -> tuple[Any, ...]:
    """The four company filters, built once per company: building them costs more than
    applying them, and the options are immutable, so every session may share them."""
    return (
        with_loader_criteria(
            TenantOwned, lambda cls: cls.company_id == company_id, include_aliases=True
        ),
        with_loader_criteria(User, lambda cls: cls.company_id == company_id, include_aliases=True),
        with_loader_criteria(
            AuditLog, lambda cls: cls.company_id == company_id, include_aliases=True
        ),
        with_loader_criteria(Company, lambda cls: cls.id == company_id, include_aliases=True),
    )


def _set_row_security_company(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    """On PostgreSQL, a tenant session's transaction starts by naming its company to the
    row-level security policies. Transaction-local (`set_config(..., true)`), so a pooled
    connection never carries it into the next transaction. A savepoint needs nothing: its
    transaction has set it already. A company set on the session after the transaction began
    is named before the session's next statement (see _scope_to_company)."""
    if transaction.nested or connection.dialect.name != "postgresql":
        return
    session.info[_NAMED_KEY] = None
    company_id = session.info.get(COMPANY_KEY)
    if company_id is not None:
        _name_company(session, connection, company_id)


def _name_company(session: Session, connection: Connection, company_id: str | None) -> None:
    connection.exec_driver_sql(_SET_COMPANY, (company_id or "",))
    session.info[_NAMED_KEY] = company_id


def _forget_named_company(session: Session, transaction: SessionTransaction) -> None:
    if not transaction.nested:
        session.info.pop(_NAMED_KEY, None)


@asynccontextmanager
async def outside_company(session: AsyncSession) -> AsyncIterator[None]:
    """Let the statements inside the block see every company's rows, in the same
    transaction, then confine the session to its company again before anything else runs.

    For the few reads a company's own data needs from outside it (the name of a platform
    developer who acted in the company, core.audit); the caller restricts what it selects.
    A second connection would do the same but could wait forever on an exhausted pool
    while holding this one."""
    company_id = session.info.pop(COMPANY_KEY, None)
    try:
        yield
    finally:
        if company_id is not None:
            session.info[COMPANY_KEY] = company_id
    if company_id is not None and session.info.get(_NAMED_KEY, company_id) != company_id:
        # Name the company now, not at the next query: a flush (which no query hook sees)
        # could otherwise write with no company named.
        connection = await session.connection()
        await connection.run_sync(
            lambda sync: _name_company(session.sync_session, sync, company_id)
        )


def install_tenant_scoping() -> None:
    """Register the scoping hooks on all sessions (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_to_company):
        event.listen(Session, "do_orm_execute", _scope_to_company)
    if not event.contains(Session, "after_begin", _set_row_security_company):
        event.listen(Session, "after_begin", _set_row_security_company)
    if not event.contains(Session, "after_transaction_end", _forget_named_company):
        event.listen(Session, "after_transaction_end", _forget_named_company)
