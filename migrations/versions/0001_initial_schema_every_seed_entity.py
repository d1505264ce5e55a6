"""initial schema: every seed entity

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# JSONB on PostgreSQL, JSON on SQLite, as in core.models.base.
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

ENUMS = (
    "userrole",
    "taskstatus",
    "executionstatus",
    "flowstatus",
    "flowinstancestatus",
    "eventtype",
    "triggerexecutionstatus",
    "datasetstatus",
    "integrationtype",
    "loglevel",
    "versionstatus",
)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("domain", sa.String(), nullable=True),
        sa.Column("logo", sa.String(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("primary_color", sa.String(), server_default="#3B82F6", nullable=False),
        sa.Column("secondary_color", sa.String(), server_default="#1A1F2E", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("domain", name=op.f("uq_companies_domain")),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("changes", sa.String(), nullable=True),
        sa.Column("change_log", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "STABLE", "DEPRECATED", name="versionstatus"),
            server_default="DRAFT",
            nullable=False,
        ),
        sa.Column("rollout_percentage", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deployed_to_clients", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
    )
    op.create_index("idx_versions_entity", "versions", ["entity_type", "entity_id"], unique=False)
    op.create_index("idx_versions_version", "versions", ["version"], unique=False)
    op.create_table(
        "custom_tables",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("schema", JSON, nullable=False),
        sa.Column("relations", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("settings", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_custom_tables_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_tables")),
        sa.UniqueConstraint("company_id", "name", name=op.f("uq_custom_tables_company_id_name")),
    )
    op.create_index("idx_custom_tables_company", "custom_tables", ["company_id"], unique=False)
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("visibility", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "ARCHIVED", name="datasetstatus"),
            server_default="DRAFT",
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_datasets_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )
    op.create_index("idx_datasets_company", "datasets", ["company_id"], unique=False)
    op.create_table(
        "departments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_departments_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["departments.id"], name=op.f("fk_departments_parent_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    op.create_index("idx_departments_company", "departments", ["company_id"], unique=False)
    op.create_index("idx_departments_parent", "departments", ["parent_id"], unique=False)
    op.create_table(
        "email_templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("variables", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_email_templates_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
    )
    op.create_index("idx_email_templates_company", "email_templates", ["company_id"], unique=False)
    op.create_table(
        "files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("original_name", sa.String(), nullable=False),
        sa.Column("mimetype", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("uploaded_by", sa.String(), nullable=False),
        sa.Column("context", sa.String(), nullable=True),
        sa.Column("context_id", sa.String(), nullable=True),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_files_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    op.create_index("idx_files_company", "files", ["company_id"], unique=False)
    op.create_index("idx_files_context", "files", ["context", "context_id"], unique=False)
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "GMAIL",
                "GOOGLE_SHEETS",
                "OUTLOOK",
                "TALLY",
                "ZOHO",
                "WEBHOOK",
                "CUSTOM_API",
                name="integrationtype",
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_integrations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
    )
    op.create_index("idx_integrations_company", "integrations", ["company_id"], unique=False)
    op.create_index("idx_integrations_type", "integrations", ["type"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password", sa.String(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.Column("last_name", sa.String(), nullable=True),
        sa.Column(
            "role",
            sa.Enum("DEVELOPER", "ADMIN", "MANAGER", "EMPLOYEE", name="userrole"),
            server_default="EMPLOYEE",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("avatar", sa.String(), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=True),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("idx_users_company", "users", ["company_id"], unique=False)
    op.create_index("idx_users_email", "users", ["email"], unique=False)
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("changes", JSON, nullable=True),
        sa.Column("metadata", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("ip_address", sa.String(), nullable=True),
        sa.Column("user_agent", sa.String(), nullable=True),
        sa.Column(
            "level",
            sa.Enum("INFO", "WARNING", "ERROR", "CRITICAL", name="loglevel"),
            server_default="INFO",
            nullable=False,
        ),
        sa.Column(
            "timestamp", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_audit_logs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_logs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
    )
    op.create_index("idx_audit_logs_action", "audit_logs", ["action"], unique=False)
    op.create_index("idx_audit_logs_company", "audit_logs", ["company_id"], unique=False)
    op.create_index("idx_audit_logs_entity", "audit_logs", ["entity", "entity_id"], unique=False)
    op.create_index("idx_audit_logs_timestamp", "audit_logs", ["timestamp"], unique=False)
    op.create_index("idx_audit_logs_user", "audit_logs", ["user_id"], unique=False)
    op.create_table(
        "custom_table_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("table_id", sa.String(length=36), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_custom_table_records_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["custom_tables.id"],
            name=op.f("fk_custom_table_records_table_id_custom_tables"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_table_records")),
    )
    op.create_index(
        "idx_custom_table_records_company", "custom_table_records", ["company_id"], unique=False
    )
    op.create_index(
        "idx_custom_table_records_soft_delete", "custom_table_records", ["deleted_at"], unique=False
    )
    op.create_index(
        "idx_custom_table_records_table", "custom_table_records", ["table_id"], unique=False
    )
    op.create_table(
        "flows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("version", sa.String(), server_default="1.0", nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "ACTIVE", "ARCHIVED", name="flowstatus"),
            server_default="DRAFT",
            nullable=False,
        ),
        sa.Column("config", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_flows_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_flows_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
    )
    op.create_index("idx_flows_company", "flows", ["company_id"], unique=False)
    op.create_index("idx_flows_status", "flows", ["status"], unique=False)
    op.create_table(
        "integration_workflows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("trigger_config", JSON, nullable=False),
        sa.Column("action_config", JSON, nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("execution_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_integration_workflows_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_integration_workflows_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_workflows")),
    )
    op.create_index(
        "idx_integration_workflows_integration",
        "integration_workflows",
        ["integration_id"],
        unique=False,
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("permissions", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_roles_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_roles_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("company_id", "name", name=op.f("uq_roles_company_id_name")),
    )
    op.create_index("idx_roles_company", "roles", ["company_id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("version", sa.String(), server_default="1.0", nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "ARCHIVED", "DEPRECATED", name="taskstatus"),
            server_default="DRAFT",
            nullable=False,
        ),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("validations", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("logic", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_tasks_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tasks_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("idx_tasks_company", "tasks", ["company_id"], unique=False)
    op.create_index("idx_tasks_status", "tasks", ["status"], unique=False)
    op.create_table(
        "flow_instances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("current_level_order", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "status",
            sa.Enum("IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED", name="flowinstancestatus"),
            server_default="IN_PROGRESS",
            nullable=False,
        ),
        sa.Column("context_data", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("initiator_id", sa.String(length=36), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_flow_instances_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_instances_flow_id_flows")
        ),
        sa.ForeignKeyConstraint(
            ["initiator_id"], ["users.id"], name=op.f("fk_flow_instances_initiator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_instances")),
    )
    op.create_index("idx_flow_instances_company", "flow_instances", ["company_id"], unique=False)
    op.create_index("idx_flow_instances_flow", "flow_instances", ["flow_id"], unique=False)
    op.create_index("idx_flow_instances_status", "flow_instances", ["status"], unique=False)
    op.create_table(
        "flow_levels",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("config", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_flow_levels_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_levels_flow_id_flows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_levels")),
        sa.UniqueConstraint("flow_id", "order", name=op.f("uq_flow_levels_flow_id_order")),
    )
    op.create_index("idx_flow_levels_flow", "flow_levels", ["flow_id"], unique=False)
    op.create_table(
        "triggers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "event_type",
            sa.Enum(
                "TASK_COMPLETED",
                "TASK_STARTED",
                "TASK_UPDATED",
                "FIELD_CHANGED",
                "FLOW_STARTED",
                "FLOW_COMPLETED",
                "DATABASE_ROW_CREATED",
                "DATABASE_ROW_UPDATED",
                "SCHEDULED",
                "WEBHOOK_RECEIVED",
                name="eventtype",
            ),
            nullable=False,
        ),
        sa.Column("event_config", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("conditions", JSON, nullable=True),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("settings", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("flow_id", sa.String(length=36), nullable=True),
        sa.Column("table_id", sa.String(length=36), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_triggers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_triggers_flow_id_flows"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["custom_tables.id"],
            name=op.f("fk_triggers_table_id_custom_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_triggers_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triggers")),
    )
    op.create_index("idx_triggers_company", "triggers", ["company_id"], unique=False)
    op.create_index("idx_triggers_event_type", "triggers", ["event_type"], unique=False)
    op.create_index("idx_triggers_flow", "triggers", ["flow_id"], unique=False)
    op.create_index("idx_triggers_table", "triggers", ["table_id"], unique=False)
    op.create_index("idx_triggers_task", "triggers", ["task_id"], unique=False)
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_user_roles_role_id_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
    )
    op.create_index("idx_user_roles_role", "user_roles", ["role_id"], unique=False)
    op.create_table(
        "flow_branches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("from_level_id", sa.String(length=36), nullable=False),
        sa.Column("to_level_id", sa.String(length=36), nullable=False),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_flow_branches_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_flow_branches_flow_id_flows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_level_id"],
            ["flow_levels.id"],
            name=op.f("fk_flow_branches_from_level_id_flow_levels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_branches")),
    )
    op.create_index("idx_flow_branches_flow", "flow_branches", ["flow_id"], unique=False)
    op.create_index(
        "idx_flow_branches_from_level", "flow_branches", ["from_level_id"], unique=False
    )
    op.create_table(
        "flow_level_roles",
        sa.Column("level_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["flow_levels.id"],
            name=op.f("fk_flow_level_roles_level_id_flow_levels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_flow_level_roles_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("level_id", "role_id", name=op.f("pk_flow_level_roles")),
    )
    op.create_index("idx_flow_level_roles_role", "flow_level_roles", ["role_id"], unique=False)
    op.create_table(
        "flow_level_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("level_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("config", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_flow_level_tasks_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["flow_levels.id"],
            name=op.f("fk_flow_level_tasks_level_id_flow_levels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_flow_level_tasks_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_level_tasks")),
        sa.UniqueConstraint("level_id", "order", name=op.f("uq_flow_level_tasks_level_id_order")),
    )
    op.create_index("idx_flow_level_tasks_level", "flow_level_tasks", ["level_id"], unique=False)
    op.create_index("idx_flow_level_tasks_task", "flow_level_tasks", ["task_id"], unique=False)
    op.create_table(
        "task_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("executor_id", sa.String(length=36), nullable=False),
        sa.Column("flow_instance_id", sa.String(length=36), nullable=True),
        sa.Column("level_id", sa.String(length=36), nullable=True),
        sa.Column(
            "status",
            sa.Enum("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED", name="executionstatus"),
            server_default="COMPLETED",
            nullable=False,
        ),
        sa.Column(
            "completed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_task_executions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"], ["users.id"], name=op.f("fk_task_executions_executor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["flow_instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_task_executions_flow_instance_id_flow_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_executions_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_executions")),
    )
    op.create_index("idx_task_executions_company", "task_executions", ["company_id"], unique=False)
    op.create_index(
        "idx_task_executions_executor", "task_executions", ["executor_id"], unique=False
    )
    op.create_index(
        "idx_task_executions_flow", "task_executions", ["flow_instance_id"], unique=False
    )
    op.create_index("idx_task_executions_task", "task_executions", ["task_id"], unique=False)
    op.create_table(
        "trigger_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trigger_id", sa.String(length=36), nullable=False),
        sa.Column("event_data", JSON, nullable=False),
        sa.Column("conditions_met", sa.Boolean(), nullable=False),
        sa.Column("condition_result", JSON, nullable=False),
        sa.Column("actions_executed", JSON, nullable=False),
        sa.Column(
            "status",
            sa.Enum("SUCCESS", "PARTIAL_SUCCESS", "FAILED", name="triggerexecutionstatus"),
            server_default="SUCCESS",
            nullable=False,
        ),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("execution_time", sa.Integer(), nullable=False),
        sa.Column(
            "executed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_trigger_executions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["triggers.id"],
            name=op.f("fk_trigger_executions_trigger_id_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_executions")),
    )
    op.create_index("idx_trigger_executions_status", "trigger_executions", ["status"], unique=False)
    op.create_index(
        "idx_trigger_executions_timestamp", "trigger_executions", ["executed_at"], unique=False
    )
    op.create_index(
        "idx_trigger_executions_trigger", "trigger_executions", ["trigger_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_trigger_executions_trigger", table_name="trigger_executions")
    op.drop_index("idx_trigger_executions_timestamp", table_name="trigger_executions")
    op.drop_index("idx_trigger_executions_status", table_name="trigger_executions")
    op.drop_table("trigger_executions")
    op.drop_index("idx_task_executions_task", table_name="task_executions")
    op.drop_index("idx_task_executions_flow", table_name="task_executions")
    op.drop_index("idx_task_executions_executor", table_name="task_executions")
    op.drop_index("idx_task_executions_company", table_name="task_executions")
    op.drop_table("task_executions")
    op.drop_index("idx_flow_level_tasks_task", table_name="flow_level_tasks")
    op.drop_index("idx_flow_level_tasks_level", table_name="flow_level_tasks")
    op.drop_table("flow_level_tasks")
    op.drop_index("idx_flow_level_roles_role", table_name="flow_level_roles")
    op.drop_table("flow_level_roles")
    op.drop_index("idx_flow_branches_from_level", table_name="flow_branches")
    op.drop_index("idx_flow_branches_flow", table_name="flow_branches")
    op.drop_table("flow_branches")
    op.drop_index("idx_user_roles_role", table_name="user_roles")
    op.drop_table("user_roles")
    op.drop_index("idx_triggers_task", table_name="triggers")
    op.drop_index("idx_triggers_table", table_name="triggers")
    op.drop_index("idx_triggers_flow", table_name="triggers")
    op.drop_index("idx_triggers_event_type", table_name="triggers")
    op.drop_index("idx_triggers_company", table_name="triggers")
    op.drop_table("triggers")
    op.drop_index("idx_flow_levels_flow", table_name="flow_levels")
    op.drop_table("flow_levels")
    op.drop_index("idx_flow_instances_status", table_name="flow_instances")
    op.drop_index("idx_flow_instances_flow", table_name="flow_instances")
    op.drop_index("idx_flow_instances_company", table_name="flow_instances")
    op.drop_table("flow_instances")
    op.drop_index("idx_tasks_status", table_name="tasks")
    op.drop_index("idx_tasks_company", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index("idx_roles_company", table_name="roles")
    op.drop_table("roles")
    op.drop_index("idx_integration_workflows_integration", table_name="integration_workflows")
    op.drop_table("integration_workflows")
    op.drop_index("idx_flows_status", table_name="flows")
    op.drop_index("idx_flows_company", table_name="flows")
    op.drop_table("flows")
    op.drop_index("idx_custom_table_records_table", table_name="custom_table_records")
    op.drop_index("idx_custom_table_records_soft_delete", table_name="custom_table_records")
    op.drop_index("idx_custom_table_records_company", table_name="custom_table_records")
    op.drop_table("custom_table_records")
    op.drop_index("idx_audit_logs_user", table_name="audit_logs")
    op.drop_index("idx_audit_logs_timestamp", table_name="audit_logs")
    op.drop_index("idx_audit_logs_entity", table_name="audit_logs")
    op.drop_index("idx_audit_logs_company", table_name="audit_logs")
    op.drop_index("idx_audit_logs_action", table_name="audit_logs")
    op.drop_table("audit_logs")
    op.drop_index("idx_users_email", table_name="users")
    op.drop_index("idx_users_company", table_name="users")
    op.drop_table("users")
    op.drop_index("idx_integrations_type", table_name="integrations")
    op.drop_index("idx_integrations_company", table_name="integrations")
    op.drop_table("integrations")
    op.drop_index("idx_files_context", table_name="files")
    op.drop_index("idx_files_company", table_name="files")
    op.drop_table("files")
    op.drop_index("idx_email_templates_company", table_name="email_templates")
    op.drop_table("email_templates")
    op.drop_index("idx_departments_parent", table_name="departments")
    op.drop_index("idx_departments_company", table_name="departments")
    op.drop_table("departments")
    op.drop_index("idx_datasets_company", table_name="datasets")
    op.drop_table("datasets")
    op.drop_index("idx_custom_tables_company", table_name="custom_tables")
    op.drop_table("custom_tables")
    op.drop_index("idx_versions_version", table_name="versions")
    op.drop_index("idx_versions_entity", table_name="versions")
    op.drop_table("versions")
    op.drop_table("companies")
    # Alembic creates PostgreSQL enum types with their tables but never drops them.
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
