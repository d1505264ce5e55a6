"""Response bodies of the integration routes (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.organisation.schemas import Out
from core.models import IntegrationRun


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


def run_out(row: IntegrationRun) -> RunOut:
    return RunOut(
        id=row.id,
        integration_id=row.integration_id,
        workflow_id=row.workflow_id,
        kind=row.kind,
        operation=row.operation,
        status=row.status,
        error=row.error,
        request=row.request,
        output=row.output,
        items=row.items,
        duration_ms=row.duration_ms,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
