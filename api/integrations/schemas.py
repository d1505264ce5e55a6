"""Response bodies of the integration routes (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.organisation.schemas import Name
from api.structs import Body, Out, mapper
from core.models import IntegrationType


class IntegrationTypeOut(Out):
    name: str
    label: str
    description: str
    auth: str
    config_schema: dict[str, Any]
    secret_fields: list[str]
    actions: list[dict[str, Any]]
    sources: list[dict[str, Any]]


class ConnectOut(Out):
    authorization_url: str
    redirect_uri: str


class ConnectedOut(Out):
    integration_id: str
    connected: bool


class TestOut(Out, omit_defaults=True):
    ok: bool
    problem: str | None = None
    message: str | None = None
    details: dict[str, Any] | None = None


class RunOut(Out):
    id: str
    integration_id: str
    workflow_id: str | None
    kind: str
    operation: str
    status: str
    error: str | None
    request: list[Any]
    output: dict[str, Any]
    items: int
    duration_ms: int | None
    started_at: datetime
    finished_at: datetime | None


class SyncOut(Out):
    status: str
    imported: int
    skipped: int
    error: str | None


class WorkflowProgressOut(Out):
    """Where the workflow's sync has got to: `cursor` is the source's own position (Gmail
    history id, Sheets row count, Zoho modified time, Graph delta link, last outbox event);
    `syncingUntil` is set while a sync holds the lease; `items` were handed to the action
    (`unfinished` of them claimed by a sync that has not finished them)."""

    cursor: dict[str, Any]
    last_sync_at: datetime | None
    syncing_until: datetime | None
    items: int
    unfinished: int


run_out = mapper(RunOut)


class IntegrationOut(Out):
    """An integration as the API shows it: secret values are never returned; `secretsSet`
    names the secret fields that hold a value."""

    id: str
    name: str
    type: IntegrationType
    is_active: bool
    config: dict[str, Any]
    secrets_set: list[str]
    company_id: str
    created_at: datetime
    updated_at: datetime
    last_sync_at: datetime | None


class IntegrationCreate(Body):
    name: Name
    type: IntegrationType
    config: dict[str, Any]
    is_active: bool = True


class IntegrationUpdate(Body):
    name: Name | UnsetType = UNSET
    config: dict[str, Any] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class WorkflowOut(Out):
    id: str
    name: str
    integration_id: str
    trigger_config: dict[str, Any]
    action_config: dict[str, Any]
    is_active: bool
    execution_count: int
    last_executed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WorkflowCreate(Body):
    name: Name
    integration_id: Annotated[str, Meta(min_length=1, max_length=36)]
    trigger_config: dict[str, Any]
    action_config: dict[str, Any]
    is_active: bool = True


class WorkflowUpdate(Body):
    name: Name | UnsetType = UNSET
    trigger_config: dict[str, Any] | UnsetType = UNSET
    action_config: dict[str, Any] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
