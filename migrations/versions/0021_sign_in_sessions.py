"""sign-in sessions: refresh tokens of one sign-in share a family (rotation keeps it), so
reusing a rotated token revokes the family and access tokens die with their session

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("refresh_tokens", sa.Column("family_id", sa.String(length=36), nullable=True))
    # A token issued before families existed is a sign-in session of its own.
    op.execute("UPDATE refresh_tokens SET family_id = id")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("family_id", existing_type=sa.String(length=36), nullable=False)
    op.create_index("idx_refresh_tokens_family", "refresh_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_index("idx_refresh_tokens_family", table_name="refresh_tokens")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("family_id")
