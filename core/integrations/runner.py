"""Run an integration's actions and connection checks as the integration: its settings
decrypted, its credentials applied, every call logged as an IntegrationRun."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.errors import ErpError, FieldProblem, NotFound, ValidationFailed
from core.integrations.auth import OAuth2Tokens, ServiceAccountTokens
from core.integrations.errors import (
    IntegrationFailed,
    IntegrationInactive,
    UnknownIntegrationType,
    UnknownOperation,
)
from core.integrations.files import read_company_file
from core.integrations.http import VendorHttp, pool_for
from core.integrations.sdk import (
    IntegrationContext,
    OAuth2Credentials,
    ServiceAccountCredentials,
    VendorIntegration,
)
from core.integrations.secrets import open_secrets
from core.models import Base, Integration, IntegrationRun, new_id, utcnow
from core.plugins.integrations import IntegrationAction, IntegrationType, check_config
from core.plugins.manager import get_plugins
from core.settings import Settings
from core.tenancy import scope
from core.vault import SecretBox

Sessions = async_sessionmaker[AsyncSession]


def integration_types() -> dict[str, IntegrationType]:
    """Every integration type the loaded plugins provide, by name."""
    return dict(get_plugins().contributions.integrations)


def integration_type(name: str) -> IntegrationType:
    try:
        return integration_types()[name]
    except KeyError:
        raise UnknownIntegrationType(
            f"no loaded plugin provides integrations of type {name}"
        ) from None


def find_action(itype: IntegrationType, name: str) -> IntegrationAction:
    for action in itype.actions:
        if action.name == name:
            return action
    known = ", ".join(a.name for a in itype.actions) or "none"
    raise UnknownOperation(f"{itype.label} has no action {name!r} (it has: {known})")


def check_inputs(action: IntegrationAction, inputs: Mapping[str, Any], path: str) -> None:
    """Inputs against the action's declared fields; `text` inputs take any JSON value (rows,
    records) besides text, so they are only checked for presence."""
    declared = {f.name: f for f in action.config}
    problems = [
        FieldProblem(f"{path}/{name}", f"{action.name} takes no input {name!r}", "unknown_input")
        for name in sorted(set(inputs) - set(declared))
    ]
    for f in action.config:
        value = inputs.get(f.name)
        if f.type == "text" and value not in (None, "", [], {}):
            continue
        for issue in check_config((f,), {f.name: value} if value is not None else {}):
            problems.append(FieldProblem(f"{path}/{issue.path}", issue.message, issue.code))
    if problems:
        raise ValidationFailed(problems, f"Invalid inputs for {action.name}")


@dataclass(slots=True)
class Connected:
    """An integration opened for calls."""

    row_type: str
    itype: IntegrationType
    context: IntegrationContext


async def connect(
    sessions: Sessions,
    settings: Settings,
    *,
    company_id: str,
    integration_id: str,
    idempotency_key: str = "",
) -> Connected:
    """Open a company's integration: settings decrypted, credentials ready, its own pool."""
    box = SecretBox.from_settings(settings)
    # A Core connection and one plain read: this runs for every action of every trigger
    # (the company is in the WHERE clause, as the tenant scoping would put it).
    async with _engine(sessions).connect() as connection:
        found = (
            await connection.execute(
                _INTEGRATION, {"integration_id": integration_id, "company_id": company_id}
            )
        ).first()
    if found is None:
        raise NotFound(f"integration {integration_id} not found")
    name, row_type, is_active, stored = found
    if not is_active:
        raise IntegrationInactive(f"integration {name!r} is inactive; activate it first")
    type_name = str(getattr(row_type, "value", row_type))
    config = open_secrets(stored, box)
    itype = integration_type(type_name)
    client, limiter = pool_for(integration_id, settings)
    http = VendorHttp(
        client,
        limiter,
        retries=settings.integrations.retries,
        max_retry_after=settings.integrations.max_retry_after,
        kind=type_name,
    )

    async def save_token(blob: dict[str, Any]) -> None:
        await store_tokens(sessions, settings, company_id, integration_id, blob)

    if isinstance(itype, VendorIntegration) and itype.credentials is not None:
        credentials = itype.credentials(config)
        stored = config.get("accessToken") if isinstance(config.get("accessToken"), dict) else None
        if isinstance(credentials, OAuth2Credentials):
            http.auth = OAuth2Tokens(
                http=client,
                save=save_token,
                stored=stored,
                prefix=credentials.provider.token_prefix,
                provider=credentials.provider,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                refresh_token=config.get("refreshToken") or None,
            )
        elif isinstance(credentials, ServiceAccountCredentials):
            http.auth = ServiceAccountTokens(
                http=client,
                save=save_token,
                stored=stored,
                token_url=credentials.token_url,
                client_email=credentials.client_email,
                private_key=credentials.private_key,
                scopes=credentials.scopes,
                subject=credentials.subject,
            )
        else:
            http.auth = credentials
    context = IntegrationContext(
        integration_id=integration_id,
        company_id=company_id,
        name=name,
        config=config,
        http=http,
        read_file=partial(read_company_file, sessions, settings, company_id),
        idempotency_key=idempotency_key,
        settings=get_plugins().settings_of("integrations", type_name),
    )
    return Connected(type_name, itype, context)


async def store_tokens(
    sessions: Sessions,
    settings: Settings,
    company_id: str,
    integration_id: str,
    blob: Mapping[str, Any],
) -> None:
    """Keep a new access token (and a rotated refresh token) sealed in the config."""
    box = SecretBox.from_settings(settings)
    async with sessions() as session, session.begin():
        scope(session, company_id)
        row = await session.get(Integration, integration_id, with_for_update=True)
        if row is None:
            return
        config = dict(row.config)
        config["accessToken"] = box.seal({"token": blob["token"], "expiresAt": blob["expiresAt"]})
        if blob.get("refreshToken"):
            config["refreshToken"] = box.seal(blob["refreshToken"])
        row.config = config


# Built once: every call reads its integration and logs its run, and building a statement
# costs more than running it.
_INTEGRATIONS = Base.metadata.tables[Integration.__tablename__].c
_INTEGRATION = sa.select(
    _INTEGRATIONS.name, _INTEGRATIONS.type, _INTEGRATIONS.is_active, _INTEGRATIONS.config
).where(
    _INTEGRATIONS.id == sa.bindparam("integration_id"),
    _INTEGRATIONS.company_id == sa.bindparam("company_id"),
)
_LOG_RUN = sa.insert(Base.metadata.tables[IntegrationRun.__tablename__])


async def run_action(
    sessions: Sessions,
    settings: Settings,
    *,
    company_id: str,
    integration_id: str,
    action: str,
    inputs: Mapping[str, Any],
    workflow_id: str | None = None,
    idempotency_key: str = "",
) -> dict[str, Any]:
    """Run one action of a company's integration and log it; returns the action's output.
    Raises IntegrationFailed (with the vendor's error) or ValidationFailed (bad inputs)."""
    connected = await connect(
        sessions,
        settings,
        company_id=company_id,
        integration_id=integration_id,
        idempotency_key=idempotency_key,
    )
    found = find_action(connected.itype, action)
    check_inputs(found, inputs, "/inputs")
    context = connected.context
    started = time.perf_counter()
    try:
        output = await found.run(context, dict(inputs))
    except Exception as exc:
        failure = as_failure(exc)
        await log_run(
            sessions,
            context,
            kind="action",
            operation=action,
            workflow_id=workflow_id,
            started=started,
            error=failure.message,
        )
        raise failure from exc
    result = dict(output or {})
    await log_run(
        sessions,
        context,
        kind="action",
        operation=action,
        workflow_id=workflow_id,
        started=started,
        output=result,
    )
    return result


async def test_connection(
    sessions: Sessions, settings: Settings, *, company_id: str, integration_id: str
) -> dict[str, Any]:
    """Check that the integration can reach its vendor with its credentials. Returns
    {"ok": true, "details": ...} or {"ok": false, "problem": code, "message": plain reason}."""
    connected = await connect(
        sessions, settings, company_id=company_id, integration_id=integration_id
    )
    itype, context = connected.itype, connected.context
    check = itype.check if isinstance(itype, VendorIntegration) else None
    started = time.perf_counter()
    try:
        details = dict(await check(context)) if check else {}
    except Exception as exc:
        failure = as_failure(exc)
        await log_run(
            sessions, context, kind="test", operation="test", started=started, error=failure.message
        )
        return {"ok": False, "problem": failure.code, "message": failure.message}
    await log_run(sessions, context, kind="test", operation="test", started=started, output=details)
    return {"ok": True, "details": details}


def as_failure(exc: Exception) -> ErpError:
    """What a failed call is reported as: the plugin's own error, or a plain reason."""
    if isinstance(exc, ErpError):
        if exc.code == "http.target_blocked" or exc.code == "http.request_failed":
            return IntegrationFailed(
                f"the vendor could not be reached: {exc.message}",
                retryable=exc.code == "http.request_failed",
            )
        return exc
    return IntegrationFailed(f"{type(exc).__name__}: {exc}")


async def log_run(
    sessions: Sessions,
    context: IntegrationContext,
    *,
    kind: str,
    operation: str,
    started: float,
    workflow_id: str | None = None,
    output: Mapping[str, Any] | None = None,
    error: str | None = None,
    items: int = 0,
    status: str | None = None,
) -> IntegrationRun:
    """Record one call with its redacted exchanges (URLs without query strings)."""
    elapsed = time.perf_counter() - started
    now = utcnow()
    values = {
        "id": new_id(),
        "company_id": context.company_id,
        "integration_id": context.integration_id,
        "workflow_id": workflow_id,
        "kind": kind,
        "operation": operation,
        "status": status or ("FAILED" if error else "SUCCESS"),
        "error": error,
        "request": list(context.http.exchanges),
        "output": _summary(output or {}),
        "items": items,
        "duration_ms": round(elapsed * 1000),
        "started_at": now - timedelta(seconds=elapsed),
        "finished_at": now,
    }
    context.http.exchanges.clear()
    # One statement in autocommit: one round trip instead of BEGIN, INSERT and COMMIT.
    async with _engine(sessions).connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(_LOG_RUN, values)
    return IntegrationRun(**values)


def _engine(sessions: Sessions) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


def _summary(output: Mapping[str, Any]) -> dict[str, Any]:
    """The output as logged: long texts cut, so a run log stays small."""

    def cut(value: Any) -> Any:
        if isinstance(value, str):
            return value if len(value) <= 500 else value[:500] + "..."
        if isinstance(value, list):
            return [cut(v) for v in value[:50]]
        if isinstance(value, dict):
            return {k: cut(v) for k, v in list(value.items())[:50]}
        return value

    return {k: cut(v) for k, v in output.items()}


async def recent_runs(
    session: AsyncSession,
    *,
    integration_id: str | None = None,
    workflow_id: str | None = None,
    limit: int = 50,
) -> list[IntegrationRun]:
    """The latest runs of an integration or a workflow (the session is tenant-scoped)."""
    query = sa.select(IntegrationRun).order_by(IntegrationRun.started_at.desc()).limit(limit)
    if integration_id:
        query = query.where(IntegrationRun.integration_id == integration_id)
    if workflow_id:
        query = query.where(IntegrationRun.workflow_id == workflow_id)
    return list((await session.scalars(query)).all())
