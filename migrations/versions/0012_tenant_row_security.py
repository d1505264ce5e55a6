"""row-level security on every tenant-owned table (PostgreSQL only): the second line of
defence behind the ORM's tenant scoping

A row passes a table's `tenant_isolation` policy, for reads and writes alike, when the
transaction's `erp.company_id` setting is unset or empty (platform-level work: developers
across companies, workers, the scheduler, migrations) or equals the row's company. The
application sets it, transaction-local, for every tenant-scoped session
(core.tenancy.scoping). FORCE makes the policies bind the tables' owner too; superusers and
roles with BYPASSRLS still pass everything.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "audit_logs",
    "custom_table_records",
    "custom_tables",
    "datasets",
    "departments",
    "email_templates",
    "entity_installs",
    "event_outbox",
    "files",
    "flow_actions",
    "flow_assignments",
    "flow_branches",
    "flow_definitions",
    "flow_instances",
    "flow_level_tasks",
    "flow_levels",
    "flow_step_roles",
    "flow_steps",
    "flows",
    "integration_cursors",
    "integration_items",
    "integration_runs",
    "integration_workflows",
    "integrations",
    "notifications",
    "oauth_authorizations",
    "roles",
    "schedule_slots",
    "task_executions",
    "tasks",
    "trigger_executions",
    "trigger_runs",
    "triggers",
    "users",
    "webhook_deliveries",
    "webhook_endpoints",
)
"""Every table with a company_id column, as of this revision. Written out rather than read
from the models: a migration must keep meaning what it meant when it was written. A test
checks that the models add no tenant table this list (or a later revision) lacks."""

POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"


def _passes(column: str) -> str:
    """The policy's condition: no company set (platform work), or the row's own company."""
    return f"(nullif({SETTING}, '') IS NULL OR {column} = {SETTING})"


def _secure(table: str, column: str) -> None:
    condition = _passes(column)
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY {POLICY} ON "{table}" FOR ALL USING {condition} WITH CHECK {condition}'
    )


def _release(table: str) -> None:
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row-level security: the ORM scoping stands alone there
    for table in TENANT_TABLES:
        _secure(table, "company_id")
    _secure("companies", "id")  # a tenant sees its own company only


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _release("companies")
    for table in reversed(TENANT_TABLES):
        _release(table)
