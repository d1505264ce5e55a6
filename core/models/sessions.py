"""Sign-in state: refresh tokens and login attempts (beyond the seed, needed by auth)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, id_column, new_id, utcnow


class RefreshToken(Base):
    """A long-lived token that mints access tokens; only its SHA-256 is stored, so a leaked
    table cannot be replayed. Revoked on logout and rotated on every refresh. The tokens of
    one sign-in share `family_id` (the session the access tokens name as `sid`)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        sa.Index("idx_refresh_tokens_user", "user_id"),
        sa.Index("idx_refresh_tokens_family", "family_id"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family_id: Mapped[str] = mapped_column(sa.String(36), default=new_id)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())


class LoginAttempt(Base):
    """A failed sign-in, kept for throttling by account and by address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("idx_login_attempts_email", "email", "attempted_at"),
        sa.Index("idx_login_attempts_ip", "ip_address", "attempted_at"),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str]
    ip_address: Mapped[str | None]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
