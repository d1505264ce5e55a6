"""out-of-office delegations: work reaching a user in a flow goes to their delegate

One row per user (replaced when set again), tenant-owned, with the tenant_isolation policy of
revision 0012.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"


def upgrade() -> None:
    op.create_table(
        "user_delegations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "company_id",
            sa.String(36),
            sa.ForeignKey("companies.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "delegate_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("user_id", name="uq_user_delegations_user"),
    )
    op.create_index("idx_user_delegations_company", "user_delegations", ["company_id"])
    if op.get_bind().dialect.name == "postgresql":
        condition = f"(nullif({SETTING}, '') IS NULL OR company_id = {SETTING})"
        op.execute('ALTER TABLE "user_delegations" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "user_delegations" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY {POLICY} ON "user_delegations" FOR ALL '
            f"USING {condition} WITH CHECK {condition}"
        )


def downgrade() -> None:
    op.drop_index("idx_user_delegations_company", table_name="user_delegations")
    op.drop_table("user_delegations")
