"""Dependencies every controller uses: the principal and its tenant-scoped transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.errors import NotFound
from core.models import Company
from core.settings import Settings
from core.tenancy import CompanyRequired, scope


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def provide_db(
    request: Request[Principal, Any, Any],
    state: State,
    principal: NamedDependency[Principal],
) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the handler succeeds and rolled back on
    any error. Tenant routes are confined to the principal's company; routes marked
    `opt={"platform": True}` let a developer work across companies."""
    # Taking `principal` as a dependency (rather than reading request.user) puts the two in
    # sequence: Litestar resolves independent dependencies concurrently in an anyio task
    # group, which costs more than both of them.
    platform = bool(request.route_handler.opt.get("platform"))
    scope_to = principal.company_id
    if principal.is_developer and platform:
        scope_to = None
    elif scope_to is None:
        raise CompanyRequired(
            "Choose the company to act in with the X-Company-Id header."
            if principal.is_developer
            else "Your account belongs to no company."
        )
    async with state.sessions() as session, session.begin():
        if scope_to is not None:
            scope(session, scope_to)
            if principal.is_developer and await session.get(Company, scope_to) is None:
                raise NotFound(f"Company {scope_to} not found.")
        yield session


DEPENDENCIES: dict[str, Provide | Any] = {
    "principal": Provide(provide_principal, sync_to_thread=False),
    # Not "settings": Litestar answers a body field that fails validation with a 500 when the
    # field's name is also a dependency's (it blames the server), and tables and triggers
    # have a `settings` field.
    "platform_settings": Provide(provide_settings, sync_to_thread=False),
    "db": Provide(provide_db),
}


DB = NamedDependency[AsyncSession]
"""The request's tenant-scoped transaction."""
Actor = NamedDependency[Principal]
"""The signed-in principal."""
Config = NamedDependency[Settings]
"""The platform settings (take them as `platform_settings: Config`)."""
