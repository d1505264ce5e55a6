"""process beats: each worker, relay and scheduler daemon records when it was last heard
from, for the system page and monitoring; the last slots of each daemon are read by claimer

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "process_beats",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_process_beats")),
    )
    op.create_index("idx_process_beats_seen", "process_beats", ["seen_at"])
    op.create_index("idx_schedule_slots_claimer", "schedule_slots", ["claimed_by", "claimed_at"])


def downgrade() -> None:
    op.drop_index("idx_schedule_slots_claimer", table_name="schedule_slots")
    op.drop_index("idx_process_beats_seen", table_name="process_beats")
    op.drop_table("process_beats")
