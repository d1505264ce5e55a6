"""event outbox

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "event_type",
            # The type exists since 0001; do not create it again.
            postgresql.ENUM(
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
                create_type=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("flow_id", sa.String(length=36), nullable=True),
        sa.Column("table_id", sa.String(length=36), nullable=True),
        sa.Column("trigger_id", sa.String(length=36), nullable=True),
        sa.Column("chain_depth", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_event_outbox_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outbox")),
    )
    op.create_index("idx_event_outbox_company", "event_outbox", ["company_id"], unique=False)
    op.create_index(
        "idx_event_outbox_pending",
        "event_outbox",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "idx_event_outbox_pending",
        table_name="event_outbox",
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    )
    op.drop_index("idx_event_outbox_company", table_name="event_outbox")
    op.drop_table("event_outbox")
