"""Sign in, refresh, sign out and "who am I"."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from msgspec import Meta
from sqlalchemy.orm import selectinload

from api.deps import DB, Actor, Config
from api.openapi import problems
from api.organisation.schemas import UserOut
from api.structs import Body, Out, to_out
from core.auth import service as auth
from core.entities import get_entity
from core.models import User


class LoginIn(Body):
    email: Annotated[str, Meta(min_length=3, max_length=254)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class RefreshIn(Body):
    refresh_token: Annotated[str, Meta(min_length=1, max_length=200)]


class TokensOut(Out):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str


class MeOut(Out):
    user: UserOut
    acting_company_id: str | None
    permissions: list[str]
    api_key_name: str | None = None
    """Set when the request came with an API key: `user` is the key's creator and
    `permissions` what the key may do."""


def token_policy(settings: Config) -> auth.TokenPolicy:
    return auth.TokenPolicy(
        secret=settings.secret_key,
        access_ttl=timedelta(seconds=settings.access_token_ttl),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl),
    )


def tokens_out(pair: Any) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        token_type=pair.token_type,
    )


@post(
    "/auth/login",
    opt={"public": True},
    status_code=200,
    summary="Sign in with e-mail and password",
    responses=problems(401, 429),
)
async def login(
    request: Request[Any, Any, Any], state: State, data: JSONBody[LoginIn]
) -> TokensOut:
    client = request.client
    pair = await auth.login(
        state.sessions,
        data.email,
        data.password,
        client.host if client else None,
        token_policy(state.settings),
    )
    return tokens_out(pair)


@post(
    "/auth/refresh",
    opt={"public": True},
    status_code=200,
    summary="Trade a refresh token for new tokens",
    responses=problems(401),
)
async def refresh(state: State, data: JSONBody[RefreshIn]) -> TokensOut:
    return tokens_out(
        await auth.refresh(state.sessions, data.refresh_token, token_policy(state.settings))
    )


@post(
    "/auth/logout",
    opt={"public": True},
    status_code=204,
    summary="Revoke a refresh token",
)
async def logout(state: State, data: JSONBody[RefreshIn]) -> None:
    async with state.sessions.begin() as session:
        await auth.logout(session, data.refresh_token)


@get("/auth/me", opt={"platform": True}, summary="The signed-in user")
async def me(db: DB, principal: Actor) -> MeOut:
    user = await get_entity(db, User, principal.user_id, options=[selectinload(User.roles)])
    return MeOut(
        user=to_out(UserOut, user),
        acting_company_id=principal.company_id,
        permissions=sorted(principal.permissions()),
        api_key_name=principal.api_key_name,
    )


router = Router(
    path="/",
    tags=["auth"],
    route_handlers=[
        login,
        refresh,
        logout,
        me,
    ],
)
