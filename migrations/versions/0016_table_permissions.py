"""custom tables: permissions per role (read, create, update, delete and field access)

Part of the table's definition, so it is versioned with its schema; '{}' means the safe
defaults (core.records.permissions).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "custom_tables",
        sa.Column("permissions", JSON, server_default=sa.text("'{}'"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("custom_tables", "permissions")
