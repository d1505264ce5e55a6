"""Bearer-token authentication: Litestar's JWT middleware, our claims, the Principal."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from api.throttle import KeyThrottle
from core.access import Principal
from core.auth.keys import acting_principal, is_api_key, key_standing
from core.auth.standing import standing
from core.auth.tokens import ALGORITHM
from core.models import UserRole
from core.settings import Settings

COMPANY_HEADER = "x-company-id"
"""A developer names the company a request acts in with this header."""

VERIFIED_TOKENS_KEPT = 10_000
"""How many verified tokens a process remembers (a client sends the same one for as long as
it lives); when full the memory starts over."""


class VerifiedToken(Token):
    """Litestar's Token, remembering the payload of tokens whose signature and claims it has
    verified: a client repeats its token on every request, and verifying an HS256 JWT costs
    more than the rest of authentication. A remembered token is still refused once expired;
    the other time claims (iat, nbf) can only become more valid as time passes."""

    _verified: ClassVar[dict[tuple[str, ...], dict[str, Any]]] = {}

    @classmethod
    def decode_payload(
        cls,
        encoded_token: str,
        secret: str,
        algorithms: list[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        options: Any = None,
    ) -> Any:
        key = (
            encoded_token,
            secret,
            repr(algorithms),
            repr(issuer),
            repr(audience),
            repr(sorted((options or {}).items())),
        )
        payload = cls._verified.get(key)
        if payload is None:
            payload = super().decode_payload(
                encoded_token, secret, algorithms, issuer, audience, options
            )
            if len(cls._verified) >= VERIFIED_TOKENS_KEPT:
                cls._verified.clear()
            cls._verified[key] = dict(payload)
        elif (
            (options or {}).get("verify_exp", True)
            and "exp" in payload
            and payload["exp"] <= time.time()
        ):
            # The same test PyJWT applies (no leeway configured).
            raise jwt.ExpiredSignatureError("Signature has expired")
        return dict(payload)


PUBLIC_PATHS = r"^/schema(?:/|$)"
"""Paths outside the route handlers' reach that need no token: the OpenAPI document and its
pages. Anchored, so a custom table or id that happens to be called `schema` is not public;
the public route handlers say so themselves (`opt={"public": True}`)."""


class BearerAuthenticationMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware takes whatever follows the first space of the header, so
    `Basic <jwt>` passed; an access token is a bearer token (RFC 6750), and nothing else.
    A bearer token starting `erp_` is an API key (core.auth.keys), counted against its
    key's rate before the request goes on."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = (connection.headers.get(self.auth_header) or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("Send the token as `Authorization: Bearer <token>`.")
        if is_api_key(token):
            return await authenticate_key(token, connection)
        return await self.authenticate_token(encoded_token=token, connection=connection)


async def authenticate_key(
    raw: str, connection: ASGIConnection[Any, Any, Any, Any]
) -> AuthenticationResult:
    """The principal of an API key as it stands now; refused when the key is unknown,
    revoked or expired, 429 when it is over its rate."""
    state = connection.app.state
    key = await key_standing(state.sessions, state.settings.secret_key, raw)
    if key is None:
        raise NotAuthorizedException("This API key is unknown, revoked or expired.")
    throttle: KeyThrottle = state.key_throttle
    await throttle.hit(key.key_id)
    client = connection.client
    principal = acting_principal(
        key,
        connection.headers.get(COMPANY_HEADER),
        client.host if client else None,
        connection.headers.get("user-agent"),
    )
    return AuthenticationResult(user=principal, auth=key)


async def principal_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal:
    """The principal as the account stands now (core.auth.standing), not as the token's
    claims were when it was minted."""
    # A developer's row is read at platform level (their requests may be); anyone else's
    # within their company.
    home = None if token.extras.get("role") == UserRole.DEVELOPER.value else token.extras.get("cid")
    now = await standing(connection.app.state.sessions, token.sub, token.extras.get("sid"), home)
    if now is None:
        raise NotAuthorizedException(
            "This sign-in has ended or the account is disabled; sign in again."
        )
    role = now.role
    company_id = now.company_id
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
        token_cls=VerifiedToken,
        authentication_middleware_class=BearerAuthenticationMiddleware,
        algorithm=ALGORITHM,
        retrieve_user_handler=principal_from_token,
        default_token_expiration=timedelta(seconds=settings.access_token_ttl),
        exclude=PUBLIC_PATHS,
        exclude_opt_key="public",
        description="An access token from POST /auth/login, or an API key (`erp_...`)",
    )
