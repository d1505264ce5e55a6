"""The plugin machinery's types, as the platform's own modules import them. A plugin imports
them (and every other type its hooks use) from the one face of the SDK, `erp.sdk`."""

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
from core.plugins.settings import PluginSettings

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
    "PluginSettings",
    "RecordInfo",
    "Reference",
    "Referenced",
    "RuleOperator",
    "UserInfo",
    "Validation",
    "ValueKind",
    "hookimpl",
]
