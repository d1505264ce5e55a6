"""Webhook endpoints of a trigger (secret shown once) and the public receiver, which only
verifies and records the delivery: the worker does the rest, so it answers 202 at once."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from api.deps import DB, Actor, Config
from api.guards import requires
from api.openapi import RAW_BODY, problems
from api.pagination import Limit, Offset, PageOut, page
from api.query import OPEN_QUERY
from api.structs import Out
from core import webhooks
from core.models.automation import WebhookEndpoint
from core.settings import Settings
from core.tenancy import company_of
from core.webhooks import use_cases

TAGS = ["webhooks"]


class EndpointOut(Out):
    id: str
    trigger_id: str
    name: str | None
    url: str
    is_active: bool


class EndpointSecretOut(EndpointOut):
    secret: str


class AcceptedOut(Out):
    event_id: str


def _out(endpoint: WebhookEndpoint, settings: Settings) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        trigger_id=endpoint.trigger_id,
        name=endpoint.name,
        url=webhooks.endpoint_url(settings.automation.public_url, endpoint.id),
        is_active=endpoint.is_active,
    )


def _with_secret(created: webhooks.EndpointCreated, settings: Settings) -> EndpointSecretOut:
    out = _out(created.endpoint, settings)
    return EndpointSecretOut(
        **{f: getattr(out, f) for f in out.__struct_fields__}, secret=created.secret
    )


@post(
    "/triggers/{trigger_id:str}/webhook-endpoints",
    guards=[requires("triggers.write")],
    summary="Create a webhook URL for a WEBHOOK_RECEIVED trigger; its secret is shown once",
)
async def create_endpoint(
    db: DB, principal: Actor, platform_settings: Config, trigger_id: FromPath[str]
) -> EndpointSecretOut:
    created = await use_cases.create_endpoint(
        db, principal, trigger_id=trigger_id, public_url=platform_settings.automation.public_url
    )
    return _with_secret(created, platform_settings)


@get(
    "/triggers/{trigger_id:str}/webhook-endpoints",
    guards=[requires("triggers.read")],
)
async def list_endpoints(
    db: DB,
    principal: Actor,
    platform_settings: Config,
    trigger_id: FromPath[str],
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[EndpointOut]:
    found = await webhooks.list_endpoints(
        db, company_id=company_of(principal), trigger_id=trigger_id
    )
    return page(found, limit, offset, lambda e: _out(e, platform_settings))


@post(
    "/webhook-endpoints/{endpoint_id:str}/rotate-secret",
    guards=[requires("triggers.write")],
    status_code=200,
    summary="Replace the signing secret; the new one is shown once",
)
async def rotate_secret(
    db: DB, principal: Actor, platform_settings: Config, endpoint_id: FromPath[str]
) -> EndpointSecretOut:
    rotated = await use_cases.rotate_secret(
        db, principal, endpoint_id=endpoint_id, public_url=platform_settings.automation.public_url
    )
    return _with_secret(rotated, platform_settings)


@delete(
    "/webhook-endpoints/{endpoint_id:str}",
    guards=[requires("triggers.write")],
)
async def delete_endpoint(db: DB, principal: Actor, endpoint_id: FromPath[str]) -> None:
    await use_cases.delete_endpoint(db, principal, endpoint_id=endpoint_id)


@post(
    "/webhooks/{endpoint_id:str}",
    status_code=202,
    # Senders' URLs may carry parameters of their own: the signature is what counts here.
    opt={"public": True, OPEN_QUERY: True, RAW_BODY: "application/json"},
    summary="Receive a delivery (Standard Webhooks headers: webhook-id, -timestamp, -signature)",
    responses=problems(401, 409),
)
async def receive(
    request: Request[Any, Any, Any], state: State, endpoint_id: FromPath[str]
) -> AcceptedOut:
    settings: Settings = state.settings
    limit = settings.automation.webhook_max_body_bytes
    event_id = await webhooks.receive_webhook(
        state.sessions,
        endpoint_id=endpoint_id,
        headers=dict(request.headers),
        body=await _bounded_body(request, limit),
        max_body_bytes=limit,
    )
    return AcceptedOut(event_id=event_id)


async def _bounded_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed `limit` bytes: by its declared
    length, or while it streams in (a chunked body declares none), never read in whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise webhooks.WebhookPayloadTooLarge(f"the body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise webhooks.WebhookPayloadTooLarge(f"the body exceeds {limit} bytes")
    return bytes(body)


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        create_endpoint,
        list_endpoints,
        rotate_secret,
        delete_endpoint,
        receive,
    ],
)
