"""The plugin SDK: what a plugin imports to hook into the platform."""

from core.plugins.fields import (
    FieldDefinition,
    FieldType,
    FileInfo,
    Invalid,
    Issue,
    Option,
    RecordInfo,
    Reference,
    Referenced,
    UserInfo,
    Validation,
    ValueKind,
)
from core.plugins.hookspecs import hookimpl
from core.plugins.integrations import (
    ConfigField,
    IntegrationAction,
    IntegrationSource,
    IntegrationType,
)
from core.plugins.operators import RuleOperator
from core.plugins.services import BackgroundService

__all__ = [
    "BackgroundService",
    "ConfigField",
    "FieldDefinition",
    "FieldType",
    "FileInfo",
    "IntegrationAction",
    "IntegrationSource",
    "IntegrationType",
    "Invalid",
    "Issue",
    "Option",
    "RecordInfo",
    "Reference",
    "Referenced",
    "RuleOperator",
    "UserInfo",
    "Validation",
    "ValueKind",
    "hookimpl",
]
