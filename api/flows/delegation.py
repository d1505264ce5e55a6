"""Routes of the signed-in user's out-of-office delegation (`/me/delegation`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, delete, get, put
from litestar.params import JSONBody
from msgspec import Meta

from api.deps import DB, Actor
from api.guards import requires
from api.organisation.schemas import Id
from api.structs import Body, Out
from core.errors import NotFound
from core.flows import delegation
from core.models import utcnow
from core.models.flow_runs import Delegation

TAGS = ["flow running"]


Moment = Annotated[datetime, Meta(tz=True)]
"""A moment with its time zone (`2026-12-24T00:00:00Z`)."""


class DelegationIn(Body):
    delegate_id: Id
    starts_at: Moment
    ends_at: Moment


class DelegationOut(Out):
    id: str
    delegate_id: str
    starts_at: datetime
    ends_at: datetime
    active: bool
    """True while the period runs: new work goes to the delegate."""


def _out(row: Delegation) -> DelegationOut:
    now = utcnow()
    return DelegationOut(
        id=row.id,
        delegate_id=row.delegate_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        active=row.starts_at <= now < row.ends_at,
    )


@get(
    "/me/delegation",
    summary="My out-of-office delegation",
)
async def read_delegation(db: DB, principal: Actor) -> DelegationOut:
    row = await delegation.my_delegation(db, principal)
    if row is None:
        raise NotFound("You have no delegation.")
    return _out(row)


@put(
    "/me/delegation",
    summary="Set my out-of-office delegation: work reaching me in the period goes to the delegate",
)
async def set_delegation(db: DB, principal: Actor, data: JSONBody[DelegationIn]) -> DelegationOut:
    row = await delegation.set_delegation(
        db,
        principal,
        delegate_id=data.delegate_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    return _out(row)


@delete(
    "/me/delegation",
    summary="End my out-of-office delegation",
)
async def clear_delegation(db: DB, principal: Actor) -> None:
    if not await delegation.clear_delegation(db, principal):
        raise NotFound("You have no delegation.")


router = Router(
    guards=[requires("flows.run")],
    path="/",
    tags=TAGS,
    route_handlers=[
        read_delegation,
        set_delegation,
        clear_delegation,
    ],
)
