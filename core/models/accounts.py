"""Accounts beyond the password: API keys of machine clients, e-mailed one-time tokens
(invitations, password resets), TOTP second factors, and OpenID Connect sign-in providers
with their pending sign-ins. All beyond the seed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, JSONType, TenantOwned, Timestamps, id_column, json_column, utcnow


class ApiKey(Timestamps, Base):
    """A named key a machine client sends as `Authorization: Bearer erp_...`. Only a keyed
    hash of the key is stored (HMAC-SHA256; the key is random, so a fast hash is enough), and
    `prefix` (its first characters) names it in lists. A key of a company (`company_id`)
    acts in that company only; one without a company was made by a platform developer and
    names the company per request, as they do. It may do what `permissions` lists and what
    its creator (`created_by_id`) may still do, until `expires_at` or `revoked_at`."""

    __tablename__ = "api_keys"
    __table_args__ = (sa.Index("idx_api_keys_company", "company_id", "created_at"),)

    id: Mapped[str] = id_column()
    company_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("companies.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    permissions: Mapped[list[Any]] = json_column("[]")
    created_by_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AccountToken(Base):
    """A single-use token e-mailed to a person: an invitation (`purpose` "invitation") or a
    password reset ("password_reset"). Only its SHA-256 is stored; `used_at` spends it."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.Index("idx_account_tokens_user", "user_id", "purpose"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class TwoFactorCredential(Base):
    """A user's TOTP secret (sealed with the secrets box), in use once `confirmed_at` is set.
    `recovery_codes` holds the SHA-256 of each unused recovery code; `last_step` is the time
    step of the last accepted code, so a code is accepted once."""

    __tablename__ = "two_factor_credentials"

    user_id: Mapped[str] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[dict[str, Any]] = mapped_column(JSONType)
    confirmed_at: Mapped[datetime | None]
    recovery_codes: Mapped[list[Any]] = json_column("[]")
    last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class SignInProvider(TenantOwned, Timestamps, Base):
    """An OpenID Connect provider a company's people sign in with (authorization code flow
    with PKCE). `issuer` is where discovery starts; `client_secret` is sealed. `group_roles`
    maps values of the ID token's `groups_claim` to a platform role and company roles:
    `[{"group", "role", "roleIds"}]`. With `create_users`, a person the company does not
    know yet is made a user at their first sign-in."""

    __tablename__ = "sign_in_providers"
    __table_args__ = (sa.Index("idx_sign_in_providers_company", "company_id"),)

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(sa.String(100))
    issuer: Mapped[str]
    client_id: Mapped[str]
    client_secret: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    scopes: Mapped[str] = mapped_column(
        default="openid email profile", server_default="openid email profile"
    )
    groups_claim: Mapped[str] = mapped_column(default="groups", server_default="groups")
    group_roles: Mapped[list[Any]] = json_column("[]")
    create_users: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    @property
    def client_secret_set(self) -> bool:
        return self.client_secret is not None


class SignInState(Base):
    """A sign-in through a provider under way: the `state` sent to it (hashed), the PKCE
    verifier (sealed) and nonce, and where to go after. Once the provider answered,
    `user_id` is who signed in and `exchange_hash` the one-time code the web app trades for
    tokens. Deleted when used; useless after `expires_at`."""

    __tablename__ = "sign_in_states"
    __table_args__ = (sa.Index("idx_sign_in_states_expires", "expires_at"),)

    id: Mapped[str] = id_column()
    state_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    provider_id: Mapped[str] = mapped_column(
        sa.ForeignKey("sign_in_providers.id", ondelete="CASCADE")
    )
    code_verifier: Mapped[dict[str, Any]] = mapped_column(JSONType)
    nonce: Mapped[str] = mapped_column(sa.String(128))
    next_path: Mapped[str | None]
    user_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    exchange_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


__all__ = ["AccountToken", "ApiKey", "SignInProvider", "SignInState", "TwoFactorCredential"]
