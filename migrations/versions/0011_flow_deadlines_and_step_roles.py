"""flow steps: when the deadline action ran; the roles whose current holders may act on a step

Revision ID: 0011
Revises: 0010
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "flow_steps", sa.Column("deadline_handled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "flow_step_roles",
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("role_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["flow_steps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("step_id", "role_id"),
    )
    op.create_index("idx_flow_step_roles_role", "flow_step_roles", ["role_id", "step_id"])
    op.create_index("idx_flow_step_roles_company", "flow_step_roles", ["company_id"])
    _backfill_active_steps()


def _backfill_active_steps() -> None:
    """Active steps staffed by role get the roles of their level from the pinned definition."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.company_id, s.level_order, d.snapshot FROM flow_steps s "
            "JOIN flow_definitions d ON d.id = s.definition_id "
            "WHERE s.status = 'ACTIVE' AND EXISTS (SELECT 1 FROM flow_assignments a "
            "WHERE a.step_id = s.id AND a.source = 'ROLE')"
        )
    ).all()
    roles = sa.table(
        "flow_step_roles", sa.column("step_id"), sa.column("role_id"), sa.column("company_id")
    )
    existing = set(bind.execute(sa.text("SELECT id FROM roles")).scalars())
    values = []
    for step_id, company_id, order, snapshot in rows:
        data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
        level = next((lv for lv in data.get("levels", []) if lv.get("order") == order), None)
        for role in (level or {}).get("roles", []):
            if role.get("id") in existing:
                values.append({"step_id": step_id, "role_id": role["id"], "company_id": company_id})
    if values:
        op.bulk_insert(roles, values)


def downgrade() -> None:
    op.drop_index("idx_flow_step_roles_company", table_name="flow_step_roles")
    op.drop_index("idx_flow_step_roles_role", table_name="flow_step_roles")
    op.drop_table("flow_step_roles")
    with op.batch_alter_table("flow_steps") as batch:
        batch.drop_column("deadline_handled_at")
