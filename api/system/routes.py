"""Routes of the system state (GET /system/...): what monitoring polls and the console's
system page shows. A company's builders see their company's share; a developer sees the
whole platform, or one company with `companyId`."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.params import QueryParameter

from api.deps import DB, Actor
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, page
from api.system.schemas import OutboxOut, ProcessOut, SlotOut
from core import system
from core.access import Principal

OPT = {"platform": True}
CompanyParam = Annotated[
    str | None,
    QueryParameter(
        name="companyId",
        max_length=36,
        description="A developer's choice of one company (others always see their own)",
    ),
]
KindParam = Annotated[
    str | None,
    QueryParameter(pattern="^(worker|relay|scheduler)$", description="worker, relay or scheduler"),
]


def _company(principal: Principal, asked: str | None) -> str | None:
    return asked if principal.is_developer else principal.company_id


@get("/outbox", opt=OPT, summary="Outbox backlog, age of its oldest event, relay lag, open runs")
async def outbox(db: DB, principal: Actor, company_id: CompanyParam = None) -> OutboxOut:
    scope = _company(principal, company_id)
    state = await system.outbox_state(db, principal, company_id=scope)
    return OutboxOut(
        backlog=state.backlog,
        waiting_for_relay=state.waiting_for_relay,
        in_broker=state.in_broker,
        oldest_at=state.oldest_at,
        oldest_age_seconds=state.oldest_age_seconds,
        relay_lag_seconds=state.relay_lag_seconds,
        recent_sent=state.recent_sent,
        recent_lag_seconds_avg=state.recent_lag_seconds_avg,
        recent_lag_seconds_max=state.recent_lag_seconds_max,
        open_runs=state.open_runs,
        company_id=scope,
        measured_at=state.measured_at,
    )


@get(
    "/processes",
    opt=OPT,
    summary="Workers, relays and scheduler daemons heard from; schedulers' last slots",
)
async def processes(
    db: DB,
    principal: Actor,
    company_id: CompanyParam = None,
    kind: KindParam = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ProcessOut]:
    seen = await system.processes_seen(
        db, principal, company_id=_company(principal, company_id), kind=kind
    )
    return page(
        seen,
        limit,
        offset,
        lambda p: ProcessOut(
            name=p.name,
            kind=p.kind,
            host=p.host,
            pid=p.pid,
            started_at=p.started_at,
            seen_at=p.seen_at,
            seconds_ago=p.seconds_ago,
            alive=p.alive,
            details=p.details,
            last_slots=[
                SlotOut(
                    trigger_id=s.trigger_id,
                    trigger_name=s.trigger_name,
                    fire_at=s.fire_at,
                    claimed_at=s.claimed_at,
                )
                for s in p.last_slots
            ],
        ),
    )


router = Router(
    "/system",
    tags=["system"],
    guards=[requires("system.read")],
    route_handlers=[outbox, processes],
)
