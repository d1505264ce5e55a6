"""Access tokens (short-lived JWTs) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from core.models import User, utcnow

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful sign-in or refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


def issue_access_token(
    user: User, secret: str, ttl: timedelta, *, session_id: str | None = None
) -> str:
    """A signed JWT: subject, role and home company of `user`, valid for `ttl`; `session_id`
    names the sign-in session (refresh token family) it was minted for, so it dies with it."""
    now = utcnow()
    claims: dict[str, object] = {
        "sub": user.id,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "role": user.role.value,
        "cid": user.company_id,
    }
    if session_id is not None:
        claims["sid"] = session_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque refresh token and the SHA-256 hex digest that is stored for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(ttl: timedelta) -> datetime:
    return utcnow() + ttl
