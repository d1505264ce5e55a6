"""mail log: every outgoing e-mail of a company, its status and attempts (sent, failed with
the reason, or captured instead of sent in embedded mode without an SMTP server)

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = "outgoing_emails"
POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
STATUSES = ("QUEUED", "SENT", "FAILED", "CAPTURED")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("to", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("cc", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("bcc", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="mailstatus", native_enum=False, length=16),
            server_default="QUEUED",
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("run_id", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_outgoing_emails_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outgoing_emails_idempotency_key")),
    )
    op.create_index("idx_outgoing_emails_company", TABLE, ["company_id", "created_at"])
    op.create_index("idx_outgoing_emails_status", TABLE, ["company_id", "status"])
    if op.get_bind().dialect.name == "postgresql":
        # Row-level security, as revision 0012 gives every tenant-owned table.
        condition = f"(nullif({SETTING}, '') IS NULL OR company_id = {SETTING})"
        op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY {POLICY} ON "{TABLE}" FOR ALL USING {condition} WITH CHECK {condition}'
        )


def downgrade() -> None:
    op.drop_index("idx_outgoing_emails_status", table_name=TABLE)
    op.drop_index("idx_outgoing_emails_company", table_name=TABLE)
    op.drop_table(TABLE)
