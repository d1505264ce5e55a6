"""accounts: API keys of machine clients (and the key an audit entry was made with), e-mailed
one-time tokens (invitations, password resets), TOTP second factors with a company's demand
for them, OpenID Connect sign-in providers and their sign-ins under way

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"
SECURED = ("api_keys", "sign_in_providers")
"""The new tables with a company_id, given row-level security as revision 0012 gives every
tenant-owned table (an API key without a company, a developer's, is seen at platform level
only)."""


def _now() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column(
        "companies",
        sa.Column("require_two_factor", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _now(),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_api_keys_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_keys_created_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index("idx_api_keys_company", "api_keys", ["company_id", "created_at"])
    with op.batch_alter_table("audit_logs") as batch:
        batch.add_column(sa.Column("api_key_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_audit_logs_api_key_id_api_keys"),
            "api_keys",
            ["api_key_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _now(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index("idx_account_tokens_user", "account_tokens", ["user_id", "purpose"])
    op.create_table(
        "two_factor_credentials",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("secret", JSON, nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recovery_codes", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("last_step", sa.Integer(), server_default="0", nullable=False),
        _now(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_two_factor_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_two_factor_credentials")),
    )
    op.create_table(
        "sign_in_providers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("client_secret", JSON, nullable=True),
        sa.Column("scopes", sa.String(), server_default="openid email profile", nullable=False),
        sa.Column("groups_claim", sa.String(), server_default="groups", nullable=False),
        sa.Column("group_roles", JSON, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("create_users", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        _now(),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_sign_in_providers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_providers")),
    )
    op.create_index("idx_sign_in_providers_company", "sign_in_providers", ["company_id"])
    op.create_table(
        "sign_in_states",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("code_verifier", JSON, nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("exchange_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["sign_in_providers.id"],
            name=op.f("fk_sign_in_states_provider_id_sign_in_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_states")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_sign_in_states_state_hash")),
        sa.UniqueConstraint("exchange_hash", name=op.f("uq_sign_in_states_exchange_hash")),
    )
    op.create_index("idx_sign_in_states_expires", "sign_in_states", ["expires_at"])
    if op.get_bind().dialect.name == "postgresql":
        condition = f"(nullif({SETTING}, '') IS NULL OR company_id = {SETTING})"
        for table in SECURED:
            op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            op.execute(
                f'CREATE POLICY {POLICY} ON "{table}" FOR ALL '
                f"USING {condition} WITH CHECK {condition}"
            )


def downgrade() -> None:
    op.drop_index("idx_sign_in_states_expires", table_name="sign_in_states")
    op.drop_table("sign_in_states")
    op.drop_index("idx_sign_in_providers_company", table_name="sign_in_providers")
    op.drop_table("sign_in_providers")
    op.drop_table("two_factor_credentials")
    op.drop_index("idx_account_tokens_user", table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("audit_logs") as batch:
        batch.drop_constraint(op.f("fk_audit_logs_api_key_id_api_keys"), type_="foreignkey")
        batch.drop_column("api_key_id")
    op.drop_index("idx_api_keys_company", table_name="api_keys")
    op.drop_table("api_keys")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("require_two_factor")
