"""The platform's own endpoints for the machines that watch it: liveness and readiness for
an orchestrator or a load balancer, and /metrics for Prometheus (docs/deployment.md,
Monitoring)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncEngine

from api.structs import Out
from core.database import transaction
from core.errors import NotFound
from core.metrics import authorized, latest, measure_outbox
from core.settings import Settings

TAGS = ["platform"]
CHECK_SECONDS = 2.0
"""How long readiness waits for the database or the broker before calling it unreachable:
less than a probe's usual timeout, so the probe hears why."""


class Readiness(Out):
    status: str
    """"ready", or "unavailable" (503) when a check failed."""
    checks: dict[str, str]
    """Each dependency checked ("database", and "broker" in scaled mode): "ok" or why not."""


@get(
    "/health/live",
    summary="Liveness: the process answers",
    opt={"public": True},
    sync_to_thread=False,
)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/health/ready",
    summary="Readiness: the database (and in scaled mode the broker) answer",
    opt={"public": True},
    responses={503: ResponseSpec(Readiness, description="A dependency is unreachable")},
)
async def ready(state: State) -> Response[Readiness]:
    settings: Settings = state.settings
    checks = {"database": await _check(_database(state.engine))}
    if settings.redis_url:
        checks["broker"] = await _check(_broker(settings.redis_url))
    fine = all(v == "ok" for v in checks.values())
    return Response(
        Readiness(status="ready" if fine else "unavailable", checks=checks),
        status_code=200 if fine else 503,
    )


async def _check(probe: Any) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await probe
    except TimeoutError:
        return f"unreachable (no answer within {CHECK_SECONDS:g} s)"
    except Exception as exc:  # the class only: a message could carry a host or a user name
        return f"unreachable ({type(exc).__name__})"
    return "ok"


async def _database(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")


async def _broker(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()


@get(
    "/metrics",
    opt={"public": True},
    include_in_schema=False,
    media_type="text/plain",
)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Prometheus's text format, for a bearer of ERP_METRICS_TOKEN (served only when it is
    set). The outbox figures are read from the database now; the rest are this process's
    counters, or every API process's when `erp serve --workers N` runs several."""
    settings: Settings = state.settings
    if not settings.observability.metrics_token:
        raise NotFound("/metrics is served only when ERP_METRICS_TOKEN is set")
    if not authorized(request.headers.get("authorization"), settings.observability.metrics_token):
        return Response(
            b"bearer token required\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    async with transaction(state.sessions) as session:
        await measure_outbox(session)
    body, content_type = latest()
    # Litestar adds the charset itself.
    return Response(body, media_type=content_type.replace("; charset=utf-8", ""))


router = Router(path="/", route_handlers=[live, ready, metrics], tags=TAGS)


def process_ended() -> None:
    """At an API process's shutdown: its live gauges leave the sums."""
    from core.metrics import process_exited

    process_exited(os.getpid())
