"""trigger action effects: the committed effect of an action that writes to the platform's
database, keyed by the action's idempotency key, so a resumed run does not repeat it

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "trigger_action_effects"
POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column(
            "output",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
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
            name=op.f("fk_trigger_action_effects_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_trigger_action_effects")),
    )
    op.create_index("idx_trigger_action_effects_company", TABLE, ["company_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Row-level security, as revision 0012 gives every tenant-owned table.
        condition = f"(nullif({SETTING}, '') IS NULL OR company_id = {SETTING})"
        op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY {POLICY} ON "{TABLE}" FOR ALL USING {condition} WITH CHECK {condition}'
        )


def downgrade() -> None:
    op.drop_index("idx_trigger_action_effects_company", table_name=TABLE)
    op.drop_table(TABLE)
