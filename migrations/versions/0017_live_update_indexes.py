"""indexes on the creation time of outbox events and notifications

The live hub (core.live) reads the rows committed in the last seconds of both tables on every
poll; without these, each poll would walk every event kept for the retention period.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("idx_event_outbox_created", "event_outbox", ["created_at"])
    op.create_index("idx_notifications_created", "notifications", ["created_at"])


def downgrade() -> None:
    op.drop_index("idx_notifications_created", table_name="notifications")
    op.drop_index("idx_event_outbox_created", table_name="event_outbox")
