"""releases: paused versions and client installs of platform entities

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_pauses",
        sa.Column("version_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("failure_rate", sa.Float(), nullable=True),
        sa.Column("executions", sa.Integer(), nullable=True),
        sa.Column("paused_by", sa.String(), nullable=True),
        sa.Column(
            "paused_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_version_pauses_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_version_pauses")),
    )
    op.create_table(
        "entity_installs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("local_id", sa.String(length=36), nullable=False),
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
            name=op.f("fk_entity_installs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_installs")),
        sa.UniqueConstraint(
            "company_id",
            "entity_type",
            "local_id",
            name=op.f("uq_entity_installs_company_id_entity_type_local_id"),
        ),
        sa.UniqueConstraint(
            "company_id",
            "entity_type",
            "source_id",
            name=op.f("uq_entity_installs_company_id_entity_type_source_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("entity_installs")
    op.drop_table("version_pauses")
