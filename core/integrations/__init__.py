"""Integrations with outside tools: sealed settings, credentials and OAuth consent, actions run
as the integration, and workflows that sync sources incrementally."""

from core.integrations.catalog import describe_types
from core.integrations.oauth import begin_authorization, callback_url, complete_authorization
from core.integrations.rotation import rotate_secrets
from core.integrations.runner import recent_runs, run_action, test_connection
from core.integrations.secrets import prepare_config, public_config, secrets_set
from core.integrations.workflows import (
    SyncResult,
    check_workflow,
    run_due_workflows,
    run_workflow,
    sync_workflow,
)

__all__ = [
    "SyncResult",
    "begin_authorization",
    "callback_url",
    "check_workflow",
    "complete_authorization",
    "describe_types",
    "prepare_config",
    "public_config",
    "recent_runs",
    "rotate_secrets",
    "run_action",
    "run_due_workflows",
    "run_workflow",
    "secrets_set",
    "sync_workflow",
    "test_connection",
]
