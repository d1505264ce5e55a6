"""webhook signing secrets sealed: the column holds an encrypted token, longer than 128

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column(
            "secret", existing_type=sa.VARCHAR(length=128), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    # Sealed secrets do not fit the old column: rotate endpoints' secrets before going back.
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column(
            "secret", existing_type=sa.Text(), type_=sa.VARCHAR(length=128), existing_nullable=False
        )
