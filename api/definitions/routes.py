"""Routes of tasks (forms), email templates, integrations and integration workflows."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router
from sqlalchemy.ext.asyncio import AsyncSession

from api.definitions.schemas import (
    EmailTemplateCreate,
    EmailTemplateOut,
    EmailTemplateUpdate,
    IntegrationCreate,
    IntegrationOut,
    IntegrationUpdate,
    TaskCreate,
    TaskOut,
    TaskUpdate,
    WorkflowCreate,
    WorkflowOut,
    WorkflowUpdate,
)
from api.resources import Resource, resource_router
from core.access import Principal
from core.integrations.runner import integration_types
from core.integrations.secrets import prepare_config, public_config, secrets_set
from core.models import (
    EmailTemplate,
    Integration,
    IntegrationWorkflow,
    Task,
    TaskStatus,
    utcnow,
)
from core.schema import compile_schema
from core.vault import process_box, use_secret_box


async def prepare_task(
    db: AsyncSession, principal: Principal, values: dict[str, Any], row: Task | None
) -> dict[str, Any]:
    if {"fields", "logic", "validations"} & values.keys():
        # Fields, the logic that shows, hides and requires them, and the cross-field
        # validations over them are checked together.
        compile_schema(
            values.get("fields", row.fields if row else []),
            values.get("logic", row.logic if row else {}),
            values.get("validations", row.validations if row else []),
        )
    if row is None:
        values["created_by_id"] = principal.user_id
    if values.get("status") is TaskStatus.PUBLISHED and (row is None or row.published_at is None):
        values["published_at"] = utcnow()
    return values


async def prepare_integration(
    db: AsyncSession, _: Principal, values: dict[str, Any], row: Integration | None
) -> dict[str, Any]:
    type_name = str(values.get("type") or (row.type if row else ""))
    itype = integration_types().get(getattr(type_name, "value", type_name))
    if "config" in values:
        current = row.config if row else {}
        values["config"] = prepare_config(itype, current, values["config"], process_box())
    return values


async def prepare_workflow(
    db: AsyncSession, _: Principal, values: dict[str, Any], row: IntegrationWorkflow | None
) -> dict[str, Any]:
    from core.integrations.workflows import check_workflow

    await check_workflow(
        db,
        integration_id=values.get("integration_id") or (row.integration_id if row else ""),
        trigger_config=values.get("trigger_config", row.trigger_config if row else {}),
        action_config=values.get("action_config", row.action_config if row else {}),
    )
    return values


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


tasks = Resource(
    path="/tasks",
    model=Task,
    out=TaskOut,
    create=TaskCreate,
    update=TaskUpdate,
    read="tasks.read",
    write="tasks.write",
    tag="tasks",
    filters={"status": Task.status, "createdById": Task.created_by_id, "name": Task.name},
    sortable={"name": Task.name, "createdAt": Task.created_at, "updatedAt": Task.updated_at},
    prepare=prepare_task,
)
email_templates = Resource(
    path="/email-templates",
    model=EmailTemplate,
    out=EmailTemplateOut,
    create=EmailTemplateCreate,
    update=EmailTemplateUpdate,
    read="email_templates.read",
    write="email_templates.write",
    tag="email-templates",
    filters={"type": EmailTemplate.type, "isActive": EmailTemplate.is_active},
    sortable={"name": EmailTemplate.name, "createdAt": EmailTemplate.created_at},
)
integrations = Resource(
    path="/integrations",
    model=Integration,
    out=IntegrationOut,
    create=IntegrationCreate,
    update=IntegrationUpdate,
    read="integrations.read",
    write="integrations.write",
    tag="integrations",
    filters={"type": Integration.type, "isActive": Integration.is_active},
    sortable={"name": Integration.name, "createdAt": Integration.created_at},
    prepare=prepare_integration,
    present=present_integration,
)
workflows = Resource(
    path="/integration-workflows",
    model=IntegrationWorkflow,
    out=WorkflowOut,
    create=WorkflowCreate,
    update=WorkflowUpdate,
    read="integrations.read",
    write="integrations.write",
    tag="integration-workflows",
    filters={
        "integrationId": IntegrationWorkflow.integration_id,
        "isActive": IntegrationWorkflow.is_active,
    },
    sortable={"name": IntegrationWorkflow.name, "createdAt": IntegrationWorkflow.created_at},
    references={"integration_id": Integration},
    prepare=prepare_workflow,
)


async def seal_with_app_keys(request: Request[Any, Any, Any]) -> None:
    """Integration secrets are sealed with this app's keys (the resource's prepare hook
    receives no settings). It replaces the app's before_request, so it runs that first."""
    from api.app import check_input  # api.app imports this module's routes when it builds

    await check_input(request)
    use_secret_box(request.app.state.settings)


def routers() -> list[Any]:
    sealed = Router(
        path="/",
        route_handlers=[resource_router(integrations)],
        before_request=seal_with_app_keys,
    )
    return [resource_router(r) for r in (tasks, email_templates, workflows)] + [sealed]
