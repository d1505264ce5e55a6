"""Thin handlers over core.integrations: the types catalogue, OAuth connect and callback,
connection tests, run logs and on-demand workflow syncs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, QueryParameter

from api.deps import DB, Actor, Config
from api.guards import requires
from api.integrations.schemas import (
    ConnectedOut,
    ConnectOut,
    IntegrationTypeOut,
    RunOut,
    SyncOut,
    TestOut,
    run_out,
)
from api.pagination import Limit, Offset, PageOut, page
from api.query import OPEN_QUERY
from core.integrations import use_cases as integration_use_cases
from core.integrations.catalog import describe_types
from core.integrations.oauth import callback_url, complete_authorization
from core.integrations.runner import test_connection
from core.integrations.workflows import sync_workflow
from core.tenancy import company_of

TAGS = ["integrations"]


@get(
    "/integrations/types",
    guards=[requires("integrations.read")],
    tags=TAGS,
    summary="Every integration type: settings, actions with their inputs, sources",
)
async def list_types(limit: Limit = 50, offset: Offset = 0) -> PageOut[IntegrationTypeOut]:
    return page(
        describe_types(),
        limit,
        offset,
        lambda t: IntegrationTypeOut(**{_snake(k): v for k, v in t.items()}),
    )


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


@get(
    "/integrations/{integration_id:str}/connect",
    guards=[requires("integrations.write")],
    tags=TAGS,
    summary="The vendor's OAuth consent URL (authorisation code with PKCE)",
)
async def connect(
    db: DB, principal: Actor, platform_settings: Config, integration_id: FromPath[str]
) -> ConnectOut:
    url = await integration_use_cases.begin_connect(
        db, principal, platform_settings, integration_id=integration_id
    )
    return ConnectOut(authorization_url=url, redirect_uri=callback_url(platform_settings))


@get(
    "/integrations/oauth/callback",
    tags=TAGS,
    # The vendor names these parameters and adds others of its own (location, scope, ...).
    opt={"public": True, OPEN_QUERY: True},
    summary="Where the vendor sends the browser back; stores the refresh token",
)
async def oauth_callback(
    state: State,
    oauth_state: Annotated[str, QueryParameter(name="state")] = "",
    code: FromQuery[str | None] = None,
    error: FromQuery[str | None] = None,
    accounts_server: Annotated[str | None, QueryParameter(name="accounts-server")] = None,
) -> ConnectedOut:
    integration_id = await complete_authorization(
        state.sessions,
        state.settings,
        state=oauth_state,
        code=code,
        error=error,
        accounts_server=accounts_server,
    )
    return ConnectedOut(integration_id=integration_id, connected=True)


@post(
    "/integrations/{integration_id:str}/test",
    guards=[requires("integrations.write")],
    tags=TAGS,
    status_code=200,
    summary="Check the connection and say what is wrong",
)
async def test_integration(
    db: DB, state: State, principal: Actor, integration_id: FromPath[str]
) -> TestOut:
    answer = await test_connection(
        state.sessions,
        state.settings,
        company_id=company_of(principal),
        integration_id=integration_id,
    )
    return TestOut(**answer)


@get(
    "/integrations/{integration_id:str}/runs",
    guards=[requires("integrations.read")],
    tags=TAGS,
    summary="The latest calls of an integration (redacted)",
)
async def integration_runs(
    db: DB, integration_id: FromPath[str], limit: Limit = 50, offset: Offset = 0
) -> PageOut[RunOut]:
    runs = await integration_use_cases.integration_runs(db, integration_id=integration_id)
    return page(runs, limit, offset, run_out)


@get(
    "/integration-workflows/{workflow_id:str}/runs",
    guards=[requires("integrations.read")],
    tags=TAGS,
    summary="The latest runs of a workflow (redacted)",
)
async def workflow_runs(
    db: DB, workflow_id: FromPath[str], limit: Limit = 50, offset: Offset = 0
) -> PageOut[RunOut]:
    runs = await integration_use_cases.workflow_runs(db, workflow_id=workflow_id)
    return page(runs, limit, offset, run_out)


@post(
    "/integration-workflows/{workflow_id:str}/sync",
    guards=[requires("integrations.write")],
    tags=TAGS,
    status_code=200,
    summary="Sync the workflow's source (or events) now",
)
async def sync_now(db: DB, state: State, principal: Actor, workflow_id: FromPath[str]) -> SyncOut:
    result = await sync_workflow(
        state.sessions, state.settings, company_id=company_of(principal), workflow_id=workflow_id
    )
    return SyncOut(
        status=result.status, imported=result.imported, skipped=result.skipped, error=result.error
    )


def routers() -> list[Any]:
    return [
        list_types,
        connect,
        oauth_callback,
        test_integration,
        integration_runs,
        workflow_runs,
        sync_now,
    ]
