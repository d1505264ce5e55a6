"""The company a use case acts in, and the one place a session is confined to a company."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.errors import ErpError
from core.tenancy.scoping import COMPANY_KEY


class CompanyRequired(ErpError):
    """The action is done in a company and the caller named none."""

    code = "company_required"
    status = 400


class ActsInCompany(Protocol):
    """Whoever acts (a `core.access.Principal`): the company they act in, if any."""

    @property
    def company_id(self) -> str | None: ...


def company_of(acting: ActsInCompany) -> str:
    """The company `acting` works in; CompanyRequired if they chose none (a developer at
    platform level). Tenant routes never get this far without one: the API refuses them."""
    if acting.company_id is None:
        raise CompanyRequired("Choose the company to act in with the X-Company-Id header.")
    return acting.company_id


def scope(session: AsyncSession | Session, company_id: str | None) -> None:
    """Confine `session` to `company_id` from its next statement on (None: platform level,
    every company's rows). The ORM filters and row-level security follow (core.tenancy)."""
    if company_id is None:
        session.info.pop(COMPANY_KEY, None)
    else:
        session.info[COMPANY_KEY] = company_id
