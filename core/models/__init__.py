"""Every table of the platform, importable from one place (Alembic reads `Base.metadata`)."""

from core.models.accounts import (
    AccountToken,
    ApiKey,
    SignInProvider,
    SignInState,
    TwoFactorCredential,
)
from core.models.automation import (
    ActionEffect,
    Notification,
    ScheduleSlot,
    TriggerRun,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.models.base import Base, JSONType, as_utc, new_id, utcnow
from core.models.enums import (
    DatasetStatus,
    EventType,
    ExecutionStatus,
    FlowInstanceStatus,
    FlowStatus,
    IntegrationType,
    LogLevel,
    TaskStatus,
    TriggerExecutionStatus,
    UserRole,
    VersionStatus,
)
from core.models.events import OutboxEvent
from core.models.flow_runs import (
    Delegation,
    FlowAction,
    FlowAssignment,
    FlowDefinition,
    FlowStep,
    FlowStepRole,
)
from core.models.flows import Flow, FlowBranch, FlowInstance, FlowLevel, FlowLevelTask
from core.models.integration_runs import (
    IntegrationCursor,
    IntegrationItem,
    IntegrationRun,
    OAuthAuthorization,
)
from core.models.integrations import Integration, IntegrationWorkflow
from core.models.mail import MailStatus, OutgoingEmail
from core.models.platform import AuditLog, EmailTemplate, File, Version
from core.models.processes import ProcessBeat
from core.models.records import CustomTable, CustomTableRecord, Dataset
from core.models.releases import EntityInstall, VersionPause
from core.models.sessions import LoginAttempt, RefreshToken
from core.models.tasks import Task, TaskExecution
from core.models.tenancy import Company, Department, Role, User, flow_level_roles, user_roles
from core.models.triggers import Trigger, TriggerExecution

__all__ = [
    "AccountToken",
    "ActionEffect",
    "ApiKey",
    "AuditLog",
    "Base",
    "Company",
    "CustomTable",
    "CustomTableRecord",
    "Dataset",
    "DatasetStatus",
    "Delegation",
    "Department",
    "EmailTemplate",
    "EntityInstall",
    "EventType",
    "ExecutionStatus",
    "File",
    "Flow",
    "FlowAction",
    "FlowAssignment",
    "FlowBranch",
    "FlowDefinition",
    "FlowInstance",
    "FlowInstanceStatus",
    "FlowLevel",
    "FlowLevelTask",
    "FlowStatus",
    "FlowStep",
    "FlowStepRole",
    "Integration",
    "IntegrationCursor",
    "IntegrationItem",
    "IntegrationRun",
    "IntegrationType",
    "IntegrationWorkflow",
    "JSONType",
    "LogLevel",
    "LoginAttempt",
    "MailStatus",
    "Notification",
    "OAuthAuthorization",
    "OutboxEvent",
    "OutgoingEmail",
    "ProcessBeat",
    "RefreshToken",
    "Role",
    "ScheduleSlot",
    "SignInProvider",
    "SignInState",
    "Task",
    "TaskExecution",
    "TaskStatus",
    "Trigger",
    "TriggerExecution",
    "TriggerExecutionStatus",
    "TriggerRun",
    "TwoFactorCredential",
    "User",
    "UserRole",
    "Version",
    "VersionPause",
    "VersionStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
    "as_utc",
    "flow_level_roles",
    "new_id",
    "user_roles",
    "utcnow",
]
