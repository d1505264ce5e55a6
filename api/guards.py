"""Route guards built from the permission table (core.access.POLICY)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from core.access import Principal, require


def requires(action: str) -> Guard:
    """A guard admitting principals whose role may perform `action`."""

    # Async on purpose: Litestar runs synchronous guards in a worker thread.
    async def guard(
        connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
    ) -> None:
        # Litestar answers OPTIONS itself (the methods a path takes) without authentication,
        # yet runs a router's guards first: there is no one to check and nothing to guard.
        if connection.scope.get("method") == "OPTIONS":
            return
        require(connection.user, action)

    guard.__name__ = f"requires_{action.replace('.', '_')}"
    guard.action = action  # type: ignore[attr-defined]
    return guard
