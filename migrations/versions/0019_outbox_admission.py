"""outbox admission: an event counts as delivered once a worker has admitted it, and an
integration item once its action has finished

`event_outbox.admitted_at` is set in the transaction that commits the event's trigger runs
(or finds that no trigger matches); the relay sends again events dispatched but not admitted
within ERP_RELAY_REDELIVER_SECONDS. `integration_items.finished_at` tells an item whose action
finished from one whose run died half way, which another run may take over.

Rows from before this revision are taken as admitted (finished): whether one of them was lost
cannot be told any more, and sending months-old events again would match triggers created
since.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("event_outbox", sa.Column("admitted_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE event_outbox SET admitted_at = dispatched_at")
    op.create_index(
        "idx_event_outbox_unadmitted",
        "event_outbox",
        ["dispatched_at"],
        postgresql_where=sa.text("admitted_at IS NULL AND dispatched_at IS NOT NULL"),
        sqlite_where=sa.text("admitted_at IS NULL AND dispatched_at IS NOT NULL"),
    )
    op.add_column("integration_items", sa.Column("finished_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE integration_items SET finished_at = imported_at")


def downgrade() -> None:
    with op.batch_alter_table("integration_items") as batch:
        batch.drop_column("finished_at")
    op.drop_index("idx_event_outbox_unadmitted", table_name="event_outbox")
    with op.batch_alter_table("event_outbox") as batch:
        batch.drop_column("admitted_at")
