"""The Litestar application: wiring of settings, database, plugins and controllers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_engine, session_factory
from core.settings import Settings, get_settings
from core.tenancy import install_tenant_scoping

VERSION = "0.1.0"


@get("/health", tags=["platform"], summary="Liveness and database check")
async def health(state: State) -> dict[str, str]:
    engine: AsyncEngine = state.engine
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
    return {"status": "ok", "database": engine.dialect.name, "version": VERSION}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API for `settings` (the environment's by default)."""
    settings = settings or get_settings()
    install_tenant_scoping()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=[health],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(title="ERP Builder", version=VERSION),
    )
