"""flow steps: backtracking flag; assignments indexed by step

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "flow_steps",
        sa.Column("backtracked", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("idx_flow_assignments_step", "flow_assignments", ["step_id"], unique=False)


def downgrade() -> None:
    op.drop_index("idx_flow_assignments_step", table_name="flow_assignments")
    op.drop_column("flow_steps", "backtracked")
