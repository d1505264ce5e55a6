"""Request and response bodies of tasks, email templates and integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.organisation.schemas import Body, Name, Out
from core.models import IntegrationType, TaskStatus

FieldDefinition = dict[str, Any]


class TaskOut(Out):
    id: str
    name: str
    description: str | None
    status: TaskStatus
    fields: list[FieldDefinition]
    validations: list[Any]
    logic: dict[str, Any]
    company_id: str
    created_by_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class TaskCreate(Body):
    name: Name
    fields: list[FieldDefinition]
    description: str | None = None
    status: TaskStatus = TaskStatus.DRAFT
    validations: list[Any] = msgspec.field(default_factory=list)
    logic: dict[str, Any] = msgspec.field(default_factory=dict)


class TaskUpdate(Body):
    name: Name | UnsetType = UNSET
    fields: list[FieldDefinition] | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    status: TaskStatus | UnsetType = UNSET
    validations: list[Any] | UnsetType = UNSET
    logic: dict[str, Any] | UnsetType = UNSET


class EmailTemplateOut(Out):
    id: str
    name: str
    subject: str
    body: str
    variables: list[str]
    type: str
    is_active: bool
    company_id: str
    created_at: datetime
    updated_at: datetime


Text = Annotated[str, Meta(min_length=1, max_length=100_000)]
TemplateType = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class EmailTemplateCreate(Body):
    name: Name
    subject: Annotated[str, Meta(min_length=1, max_length=998)]
    body: Text
    type: TemplateType
    variables: list[str] = msgspec.field(default_factory=list)
    is_active: bool = True


class EmailTemplateUpdate(Body):
    name: Name | UnsetType = UNSET
    subject: Annotated[str, Meta(min_length=1, max_length=998)] | UnsetType = UNSET
    body: Text | UnsetType = UNSET
    type: TemplateType | UnsetType = UNSET
    variables: list[str] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


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
