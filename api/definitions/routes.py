"""Routes of tasks (forms), email templates, integrations and integration workflows."""

from __future__ import annotations

from typing import Any

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
from core.integrations.definitions import INTEGRATIONS, WORKFLOWS
from core.integrations.runner import integration_types
from core.integrations.secrets import public_config, secrets_set
from core.mail.templates import EMAIL_TEMPLATES
from core.models import EmailTemplate, Integration, IntegrationWorkflow, Task
from core.tasks.definitions import TASKS


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
    kind=TASKS,
    tag="tasks",
    filters={"status": Task.status, "createdById": Task.created_by_id, "name": Task.name},
    sortable={"name": Task.name, "createdAt": Task.created_at, "updatedAt": Task.updated_at},
)
email_templates = Resource(
    path="/email-templates",
    model=EmailTemplate,
    out=EmailTemplateOut,
    create=EmailTemplateCreate,
    update=EmailTemplateUpdate,
    read="email_templates.read",
    kind=EMAIL_TEMPLATES,
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


def routers() -> list[Any]:
    return [resource_router(r) for r in (tasks, email_templates, integrations, workflows)]
