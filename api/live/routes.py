"""The signed-in user's live updates as server-sent events (`GET /stream`)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import State
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.security.jwt import Token

from api.deps import Actor
from core.access import Principal
from core.auth.standing import standing
from core.live import REPLAY_SECONDS, LiveHub
from core.tenancy import CompanyRequired

HEARTBEAT_SECONDS = 15.0
"""A comment line this often keeps proxies and load balancers from closing a quiet stream
(many close idle connections after 30 to 60 seconds)."""

RETRY_MS = 3000
"""How long a disconnected browser waits before it reconnects."""


@get(
    "/stream",
    summary="Live updates: my company's flow work and my notifications",
    description=(
        "Server-sent events. `inbox` (data: {event, flowId, instanceId}) when flow work of "
        "the company changed, so inboxes and instance pages may read differently: `event` "
        "is the outbox event's type (FLOW_STARTED, TASK_STARTED, TASK_COMPLETED, "
        "TASK_UPDATED, FLOW_COMPLETED) or, for what no event announces, the history "
        "entry's kind (FAILED: rejected for good, CANCELLED, REASSIGNED, APPROVED: one "
        "approval of several, OVERDUE); `notification` (data: {id, title}) when a "
        "notification for me arrived. On connecting, the events of the last "
        f"{REPLAY_SECONDS:.0f} seconds come first, so a client reloads only what it loaded "
        f"before that. A comment line every {HEARTBEAT_SECONDS:.0f} s keeps the connection "
        "open. The stream ends when the access token expires or its sign-in ends (checked "
        "at each heartbeat): reconnect with a fresh one. Each event is a hint to reload "
        "what it names, sent about a second after the change commits."
    ),
    media_type="text/event-stream",
)
async def stream(
    request: Request[Principal, Token, Any], principal: Actor, state: State
) -> ServerSentEvent:
    if principal.company_id is None:
        raise CompanyRequired("Choose the company to act in with the X-Company-Id header.")
    hub: LiveHub = state.live
    token = request.auth
    home = None if principal.is_developer else principal.company_id

    async def signed_in() -> bool:
        return await standing(state.sessions, token.sub, token.extras.get("sid"), home) is not None

    return ServerSentEvent(
        _messages(hub, principal.company_id, principal.user_id, token.exp.timestamp(), signed_in),
        retry_duration=RETRY_MS,
    )


async def _messages(
    hub: LiveHub,
    company_id: str,
    user_id: str,
    expires: float,
    signed_in: Callable[[], Awaitable[bool]],
) -> AsyncIterator[ServerSentEventMessage]:
    with hub.subscribe(company_id, user_id) as subscription:
        yield ServerSentEventMessage(comment="ready", data=None)
        while (left := expires - time.time()) > 0:
            event = await subscription.next(min(HEARTBEAT_SECONDS, left))
            if event is None:
                if expires - time.time() <= 0 or not await signed_in():
                    return  # the sign-in ended (signed out, demoted, deactivated)
                yield ServerSentEventMessage(comment="heartbeat", data=None)
                continue
            yield ServerSentEventMessage(data=json.dumps(event.data), event=event.name)


router = Router(
    path="/",
    tags=["notifications"],
    route_handlers=[
        stream,
    ],
)
