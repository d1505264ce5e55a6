"""Routes of API keys: create (the key shown once), list (never the key), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from api.deps import DB, Actor
from api.pagination import Limit, Offset, PageOut
from api.structs import Body, Out
from core.auth import keys
from core.models import ApiKey, utcnow

Moment = Annotated[datetime, Meta(tz=True)]


class ApiKeyCreate(Body):
    name: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"\S")]
    permissions: Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=100)]
    """Actions of the permission table (`GET /auth/me` lists yours): the key may do these
    and nothing else, and never more than you may."""
    expires_at: Moment | None = None


class ApiKeyOut(Out):
    """A key as lists show it: its first characters (`prefix`), never the key."""

    id: str
    name: str
    prefix: str
    permissions: list[str]
    company_id: str | None
    created_by_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class ApiKeyCreated(ApiKeyOut):
    key: str
    """The key, shown this once: send it as `Authorization: Bearer <key>`."""


def _out(row: ApiKey) -> ApiKeyOut:
    now = utcnow()
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        permissions=list(row.permissions),
        company_id=row.company_id,
        created_by_id=row.created_by_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        active=row.revoked_at is None and (row.expires_at is None or row.expires_at > now),
    )


@get("/api-keys", opt={"platform": True}, summary="API keys of the company (never the keys)")
async def list_keys(
    db: DB, principal: Actor, limit: Limit = 50, offset: Offset = 0
) -> PageOut[ApiKeyOut]:
    rows, total = await keys.list_api_keys(db, principal, limit=limit, offset=offset)
    return PageOut(items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)


@post(
    "/api-keys",
    opt={"platform": True},
    summary="Create an API key with some of your permissions; the key is shown once",
)
async def create_key(
    db: DB, principal: Actor, state: State, data: JSONBody[ApiKeyCreate]
) -> ApiKeyCreated:
    row, raw = await keys.create_api_key(
        db,
        principal,
        name=data.name,
        permissions=data.permissions,
        expires_at=data.expires_at,
        secret_key=state.settings.secret_key,
    )
    shown = _out(row)
    return ApiKeyCreated(key=raw, **{f: getattr(shown, f) for f in shown.__struct_fields__})


@delete(
    "/api-keys/{id:str}",
    opt={"platform": True},
    summary="Revoke an API key: refused from its next request on",
)
async def revoke_key(db: DB, principal: Actor, id: FromPath[str]) -> None:
    await keys.revoke_api_key(db, principal, id)


router = Router(path="/", tags=["api keys"], route_handlers=[list_keys, create_key, revoke_key])
