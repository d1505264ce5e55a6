"""trigger run conditions

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "trigger_runs",
        sa.Column("conditions_met", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "trigger_runs",
        sa.Column(
            "condition_result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("trigger_runs", "condition_result")
    op.drop_column("trigger_runs", "conditions_met")
