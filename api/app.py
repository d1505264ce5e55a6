"""The Litestar application: settings, database, authentication, errors and every route.
A new area adds its router to `ROUTERS`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.types import Message, Scope
from sqlalchemy.ext.asyncio import AsyncEngine

from api.accounts import keys as api_keys
from api.accounts import routes as accounts
from api.audit import routes as audit
from api.auth import routes as auth
from api.definitions import routes as definitions
from api.deps import DEPENDENCIES
from api.errors import EXCEPTION_HANDLERS, strict_body_problems
from api.files import routes as files
from api.flows import routes as flows
from api.integrations import routes as integrations
from api.live import routes as live
from api.mail import routes as mail
from api.notifications import routes as notifications
from api.openapi import StructSchemas, document_operations
from api.organisation import routes as organisation
from api.platform import routes as platform
from api.platform.http_metrics import http_metrics
from api.plugins import routes as plugins
from api.query import check_query, install_query_contracts
from api.records import routes as records
from api.rules import routes as rules
from api.security import jwt_auth
from api.system import routes as system
from api.tasks import routes as tasks
from api.throttle import KeyThrottle
from api.triggers import routes as triggers
from api.validation import MAX_JSON_DEPTH, nested_too_deep, nul_problems
from api.versions import routes as versions
from api.webapp import DIST, unknown_path, webapp_middleware
from api.webhooks import routes as webhooks
from core.database import create_engine, session_factory
from core.errors import FieldProblem, ValidationFailed
from core.live import LiveHub
from core.plugins.manager import get_plugins
from core.process import freeze_startup_objects
from core.settings import Settings, get_settings
from core.tenancy import install_tenant_scoping

VERSION = "0.1.0"
MAX_BODY_BYTES = 2 * 1024 * 1024
"""JSON bodies larger than this are refused with 413 (file uploads have their own limit)."""


@get("/health", tags=["platform"], summary="Liveness and database check", opt={"public": True})
async def health(state: State) -> dict[str, str]:
    engine: AsyncEngine = state.engine
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
    return {"status": "ok", "database": engine.dialect.name, "version": VERSION}


ROUTERS: tuple[Router, ...] = (
    auth.router,
    api_keys.router,
    accounts.router,
    organisation.router,
    tasks.router,
    flows.router,
    records.router,
    triggers.router,
    webhooks.router,
    integrations.router,
    versions.router,
    definitions.router,
    notifications.router,
    live.router,
    mail.router,
    files.router,
    audit.router,
    rules.router,
    plugins.router,
    platform.router,
    system.router,
)
"""Every area's router, one per folder of api/ (tests/api/test_routes.py checks that no
handler defined under api/ is left out). A new area adds its router here."""


async def forbid_sniffing(message: Message, scope: Scope) -> None:
    """`X-Content-Type-Options: nosniff` on every response, errors and files included, so a
    browser renders nothing as a type other than the one declared (an upload claiming to be
    a picture is never run as a page)."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)["X-Content-Type-Options"] = "nosniff"


async def list_every_method(message: Message, scope: Scope) -> None:
    """Litestar 2 answers OPTIONS with the methods of the handlers its path had when that
    answer was made, the first one registered (litestar#4169, fixed in Litestar 3): `Allow`
    names every method the path takes."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = MutableScopeHeaders.from_message(message)
    handler = scope.get("route_handler")
    if "allow" in headers and handler is not None:
        methods = scope["litestar_app"].route_handler_method_map.get(next(iter(handler.paths)))
        if methods:
            headers["Allow"] = ", ".join(sorted(methods))


async def reject_unstorable_input(request: Request[Any, Any, Any]) -> None:
    """Refuse up front, naming every place, what no handler could take: NUL characters in
    query strings and JSON bodies (PostgreSQL cannot store them), JSON nested deeper than
    MAX_JSON_DEPTH, in a body or a query parameter (the decoders would run out of stack),
    and a JSON body that is not exactly of the type the route documents."""
    problems = [
        FieldProblem(f"query:{key}", "Text may not contain NUL characters.", "nul_character")
        for key, value in request.query_params.items()
        if "\x00" in key or "\x00" in value
    ]
    problems += [
        FieldProblem(f"query:{key}", _TOO_DEEP, "too_deep")
        for key, value in request.query_params.items()
        if nested_too_deep(value)
    ]
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.content_type[0]:
        body = await request.body()
        if nested_too_deep(body):
            raise ValidationFailed([*problems, FieldProblem("", _TOO_DEEP, "too_deep")])
        if b"\\u0000" in body or b"\x00" in body:
            with contextlib.suppress(ValueError):  # malformed JSON: the body parser reports it
                problems += nul_problems(json.loads(body))
        problems += [p for p in strict_body_problems(request, body) if p not in problems]
    if problems:
        raise ValidationFailed(problems)


_TOO_DEEP = f"JSON may nest at most {MAX_JSON_DEPTH} levels deep."


async def check_input(request: Request[Any, Any, Any]) -> None:
    """The app's before_request: the query string against what the route declares
    (api.query), then what no handler could store. A router with a before_request of its own
    replaces this one, so it must call it first."""
    await check_query(request)
    await reject_unstorable_input(request)


def route_handlers() -> list[Any]:
    return [health, *ROUTERS, unknown_path]


SCALAR = "/schema-assets/scalar.js"


def api_docs() -> ScalarRenderPlugin:
    """The interactive API documentation at /schema: Scalar as the web app's build ships it
    (web/vite.config.ts copies it from the npm package), so the page works offline; from its
    CDN only where the web app was not built."""
    if (DIST / SCALAR.lstrip("/")).is_file():
        return ScalarRenderPlugin(
            js_url=SCALAR,
            css_url="/schema-assets/scalar.css",
            options={"withDefaultFonts": False},
            favicon="<link rel='icon' type='image/svg+xml' href='/favicon.svg'>",
        )
    return ScalarRenderPlugin()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the API for `settings` (the environment's by default)."""
    settings = settings or get_settings()
    install_tenant_scoping()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        plugins = get_plugins()
        plugins.startup(settings)
        # Whatever the plugins run beside the requests (erp_background_services): the
        # scheduler's automation pipeline without a broker, a Celery dispatcher with one.
        app.state.background = await plugins.start_services(settings, app.state.sessions)
        app.state.live = LiveHub(app.state.sessions)
        app.state.key_throttle = KeyThrottle(settings)
        freeze_startup_objects()
        try:
            yield
        finally:
            await app.state.live.stop()
            await app.state.background.stop()
            await engine.dispose()
            platform.process_ended()

    auth = jwt_auth(settings)
    config = AppConfig(
        route_handlers=route_handlers(),
        lifespan=[lifespan],
        state=State({"settings": settings}),
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_input,
        before_send=[forbid_sniffing, list_every_method],
        plugins=[StructSchemas()],
        request_max_body_size=MAX_BODY_BYTES,
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_headers=["Authorization", "Content-Type", "X-Company-Id"],
            expose_headers=["Retry-After", "Last-Modified"],
            allow_credentials=False,
        )
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="ERP Builder",
            version=VERSION,
            render_plugins=[api_docs()],
        ),
    )
    config = auth.on_app_init(config)
    # Request rate and latency by route (api/platform); outside authentication, so refused
    # requests count too, and inside the web app's files, which are not the API's.
    config.middleware.insert(0, http_metrics().middleware)
    # The web app's pages and files are answered before authentication (api/webapp.py).
    config.middleware.insert(0, webapp_middleware)
    app = Litestar.from_config(config)
    install_query_contracts(app)
    document_operations(app)
    return app
