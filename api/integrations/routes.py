"""Thin handlers over core.integrations: the types catalogue, OAuth connect and callback,
connection tests, run logs and on-demand workflow syncs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Router, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, QueryParameter

from api.deps import DB, Actor, Config
from api.guards import requires
from api.integrations.schemas import (
    ConnectedOut,
    ConnectOut,
    IntegrationCreate,
    IntegrationOut,
    IntegrationTypeOut,
    IntegrationUpdate,
    RunOut,
    SyncOut,
    TestOut,
    WorkflowCreate,
    WorkflowOut,
    WorkflowProgressOut,
    WorkflowUpdate,
    run_out,
)
from api.openapi import problems
from api.pagination import Limit, Offset, PageOut, page
from api.query import OPEN_QUERY
from api.resources import Resource, resource_router
from api.structs import to_out
from core.integrations import use_cases as integration_use_cases
from core.integrations.catalog import describe_types
from core.integrations.definitions import INTEGRATIONS, WORKFLOWS
from core.integrations.oauth import callback_url, complete_authorization
from core.integrations.runner import integration_types, test_connection
from core.integrations.secrets import public_config, secrets_set
from core.integrations.workflows import sync_workflow
from core.models import Integration, IntegrationWorkflow
from core.tenancy import company_of

TAGS = ["integrations"]


@get(
    "/integrations/types",
    guards=[requires("integrations.read")],
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
    summary="The vendor's OAuth consent URL (authorisation code with PKCE)",
    responses=problems(409),
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
    # The vendor names these parameters and adds others of its own (location, scope, ...).
    opt={"public": True, OPEN_QUERY: True},
    summary="Where the vendor sends the browser back; stores the refresh token",
    responses=problems(400, 409, 502),
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
    summary="The latest runs of a workflow (redacted)",
)
async def workflow_runs(
    db: DB, workflow_id: FromPath[str], limit: Limit = 50, offset: Offset = 0
) -> PageOut[RunOut]:
    runs = await integration_use_cases.workflow_runs(db, workflow_id=workflow_id)
    return page(runs, limit, offset, run_out)


@get(
    "/integration-workflows/{workflow_id:str}/cursor",
    guards=[requires("integrations.read")],
    summary="Where the workflow's sync has got to: cursor, last sync, lease, items handed over",
)
async def workflow_cursor(db: DB, workflow_id: FromPath[str]) -> WorkflowProgressOut:
    progress = await integration_use_cases.workflow_progress(db, workflow_id=workflow_id)
    return to_out(WorkflowProgressOut, progress)


@post(
    "/integration-workflows/{workflow_id:str}/sync",
    guards=[requires("integrations.write")],
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


def _itype(row: Integration) -> Any:
    return integration_types().get(getattr(row.type, "value", str(row.type)))


def present_integration(row: Integration) -> IntegrationOut:
    return IntegrationOut(
        id=row.id,
        name=row.name,
        type=row.type,
        is_active=row.is_active,
        config=public_config(row.config, _itype(row)),
        secrets_set=secrets_set(row.config, _itype(row)),
        company_id=row.company_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_sync_at=row.last_sync_at,
    )


integrations = Resource(
    path="/integrations",
    model=Integration,
    out=IntegrationOut,
    create=IntegrationCreate,
    update=IntegrationUpdate,
    read="integrations.read",
    kind=INTEGRATIONS,
    tag="integrations",
    filters={"type": Integration.type, "isActive": Integration.is_active},
    sortable={"name": Integration.name, "createdAt": Integration.created_at},
    present=present_integration,
)


workflows = Resource(
    path="/integration-workflows",
    model=IntegrationWorkflow,
    out=WorkflowOut,
    create=WorkflowCreate,
    update=WorkflowUpdate,
    read="integrations.read",
    kind=WORKFLOWS,
    tag="integration-workflows",
    filters={
        "integrationId": IntegrationWorkflow.integration_id,
        "isActive": IntegrationWorkflow.is_active,
    },
    sortable={"name": IntegrationWorkflow.name, "createdAt": IntegrationWorkflow.created_at},
)


router = Router(
    path="/",
    route_handlers=[
        resource_router(integrations),
        resource_router(workflows),
        Router(
            path="/",
            tags=TAGS,
            route_handlers=[
                list_types,
                connect,
                oauth_callback,
                test_integration,
                integration_runs,
                workflow_runs,
                workflow_cursor,
                sync_now,
            ],
        ),
    ],
)
