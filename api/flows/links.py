"""Routes of approve/reject links: what a link would do (public, for its confirmation page)
and confirming it (signed in)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from litestar import Router, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from api.deps import DB, Actor, Config
from api.flows.schemas import ActionOut, Comment, instance_state
from api.guards import requires
from api.openapi import problems
from api.structs import Body, Out
from core.flows import links

TAGS = ["flow running"]


class ActionLinkOut(Out):
    action: Literal["approve", "reject"]
    instance_id: str
    flow_name: str
    level_name: str
    task_name: str | None
    expires_at: datetime
    used_at: datetime | None


class ActionLinkIn(Body):
    comment: Comment | None = None
    reason: Comment | None = None
    """A rejection's reason (the same as a comment)."""


@get(
    "/action-links/{token:str}",
    summary="What an approve or reject link from an e-mail would do",
    opt={"public": True},
    responses=problems(410),
)
async def read_action_link(
    token: FromPath[str], state: State, platform_settings: Config
) -> ActionLinkOut:
    async with state.sessions() as session:
        view = await links.describe_link(session, platform_settings.secret_key, token)
    return ActionLinkOut(
        action=view.action,
        instance_id=view.instance_id,
        flow_name=view.flow_name,
        level_name=view.level_name,
        task_name=view.task_name,
        expires_at=view.expires_at,
        used_at=view.used_at,
    )


@post(
    "/action-links/{token:str}/confirm",
    guards=[requires("flows.run")],
    status_code=200,
    summary="Confirm an approve or reject link, as the signed-in user",
    responses=problems(410),
)
async def confirm_action_link(
    db: DB,
    principal: Actor,
    platform_settings: Config,
    token: FromPath[str],
    data: JSONBody[ActionLinkIn],
) -> ActionOut:
    result = await links.use_link(
        db, principal, platform_settings.secret_key, token, comment=data.comment or data.reason
    )
    return ActionOut(
        instance=instance_state(result.instance, result.definition),
        execution_id=result.execution.id if result.execution else None,
        level_closed=result.level_closed,
    )


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        read_action_link,
        confirm_action_link,
    ],
)
