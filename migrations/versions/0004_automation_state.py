"""automation state

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("link", sa.String(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("trigger_id", sa.String(length=36), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_notifications_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["triggers.id"],
            name=op.f("fk_notifications_trigger_id_triggers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("idx_notifications_company", "notifications", ["company_id"], unique=False)
    op.create_index(
        "idx_notifications_user", "notifications", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "schedule_slots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trigger_id", sa.String(length=36), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_schedule_slots_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["triggers.id"],
            name=op.f("fk_schedule_slots_trigger_id_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slots")),
        sa.UniqueConstraint(
            "trigger_id", "fire_at", name=op.f("uq_schedule_slots_trigger_id_fire_at")
        ),
    )
    op.create_index("idx_schedule_slots_company", "schedule_slots", ["company_id"], unique=False)
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("trigger_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_webhook_endpoints_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["triggers.id"],
            name=op.f("fk_webhook_endpoints_trigger_id_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        "idx_webhook_endpoints_company", "webhook_endpoints", ["company_id"], unique=False
    )
    op.create_index(
        "idx_webhook_endpoints_trigger", "webhook_endpoints", ["trigger_id"], unique=False
    )
    op.create_table(
        "trigger_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trigger_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("blocked_reason", sa.String(), nullable=True),
        sa.Column("chain_depth", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "action_results",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column(
            "not_before",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deliveries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retry_of", sa.String(length=36), nullable=True),
        sa.Column("execution_id", sa.String(length=36), nullable=True),
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
            name=op.f("fk_trigger_runs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["trigger_executions.id"],
            name=op.f("fk_trigger_runs_execution_id_trigger_executions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["triggers.id"],
            name=op.f("fk_trigger_runs_trigger_id_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_runs")),
        sa.UniqueConstraint(
            "trigger_id", "idempotency_key", name=op.f("uq_trigger_runs_trigger_id_idempotency_key")
        ),
    )
    op.create_index("idx_trigger_runs_company", "trigger_runs", ["company_id"], unique=False)
    op.create_index("idx_trigger_runs_execution", "trigger_runs", ["execution_id"], unique=False)
    op.create_index(
        "idx_trigger_runs_open",
        "trigger_runs",
        ["not_before"],
        unique=False,
        postgresql_where=sa.text("status <> 'done'"),
        sqlite_where=sa.text("status <> 'done'"),
    )
    op.create_index(
        "idx_trigger_runs_trigger_created",
        "trigger_runs",
        ["trigger_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("endpoint_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_webhook_deliveries_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "endpoint_id", "message_id", name=op.f("uq_webhook_deliveries_endpoint_id_message_id")
        ),
    )
    op.create_index(
        "idx_webhook_deliveries_company", "webhook_deliveries", ["company_id"], unique=False
    )
    op.create_index(
        "idx_webhook_deliveries_received", "webhook_deliveries", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_webhook_deliveries_received", table_name="webhook_deliveries")
    op.drop_index("idx_webhook_deliveries_company", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("idx_trigger_runs_trigger_created", table_name="trigger_runs")
    op.drop_index(
        "idx_trigger_runs_open",
        table_name="trigger_runs",
        postgresql_where=sa.text("status <> 'done'"),
        sqlite_where=sa.text("status <> 'done'"),
    )
    op.drop_index("idx_trigger_runs_execution", table_name="trigger_runs")
    op.drop_index("idx_trigger_runs_company", table_name="trigger_runs")
    op.drop_table("trigger_runs")
    op.drop_index("idx_webhook_endpoints_trigger", table_name="webhook_endpoints")
    op.drop_index("idx_webhook_endpoints_company", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    op.drop_index("idx_schedule_slots_company", table_name="schedule_slots")
    op.drop_table("schedule_slots")
    op.drop_index("idx_notifications_user", table_name="notifications")
    op.drop_index("idx_notifications_company", table_name="notifications")
    op.drop_table("notifications")
