"""The seed schema's enums, with the seed's member names as their stored values."""

from __future__ import annotations

import enum


class UserRole(enum.StrEnum):
    DEVELOPER = "DEVELOPER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    EMPLOYEE = "EMPLOYEE"


class TaskStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"
    DEPRECATED = "DEPRECATED"


class ExecutionStatus(enum.StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class FlowStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class FlowInstanceStatus(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class EventType(enum.StrEnum):
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_STARTED = "TASK_STARTED"
    TASK_UPDATED = "TASK_UPDATED"
    FIELD_CHANGED = "FIELD_CHANGED"
    FLOW_STARTED = "FLOW_STARTED"
    FLOW_COMPLETED = "FLOW_COMPLETED"
    DATABASE_ROW_CREATED = "DATABASE_ROW_CREATED"
    DATABASE_ROW_UPDATED = "DATABASE_ROW_UPDATED"
    SCHEDULED = "SCHEDULED"
    WEBHOOK_RECEIVED = "WEBHOOK_RECEIVED"


class TriggerExecutionStatus(enum.StrEnum):
    SUCCESS = "SUCCESS"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS"
    FAILED = "FAILED"


class DatasetStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class IntegrationType(enum.StrEnum):
    GMAIL = "GMAIL"
    GOOGLE_SHEETS = "GOOGLE_SHEETS"
    OUTLOOK = "OUTLOOK"
    TALLY = "TALLY"
    ZOHO = "ZOHO"
    WEBHOOK = "WEBHOOK"
    CUSTOM_API = "CUSTOM_API"


class LogLevel(enum.StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class VersionStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    STABLE = "STABLE"
    DEPRECATED = "DEPRECATED"
