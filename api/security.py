"""Bearer-token authentication: Litestar's JWT middleware, our claims, the Principal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token

from core.access import Principal
from core.auth.tokens import ALGORITHM
from core.models import UserRole
from core.settings import Settings

COMPANY_HEADER = "x-company-id"
"""A developer names the company a request acts in with this header."""


async def principal_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal:
    role = UserRole(token.extras["role"])
    company_id = token.extras.get("cid")
    if role is UserRole.DEVELOPER:
        company_id = connection.headers.get(COMPANY_HEADER) or None
    client = connection.client
    return Principal(
        user_id=token.sub,
        role=role,
        company_id=company_id,
        ip_address=client.host if client else None,
        user_agent=connection.headers.get("user-agent"),
    )


def jwt_auth(settings: Settings) -> JWTAuth[Principal, Token]:
    return JWTAuth[Principal, Token](
        token_secret=settings.secret_key,
        algorithm=ALGORITHM,
        retrieve_user_handler=principal_from_token,
        default_token_expiration=timedelta(seconds=settings.access_token_ttl),
        exclude=["/health", "/schema", "/auth/login", "/auth/refresh", "/auth/logout"],
        exclude_opt_key="public",
        description="Access token from POST /auth/login",
    )
