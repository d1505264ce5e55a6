"""Outgoing webhooks: POST an event's payload to a receiver, signed with the Standard Webhooks
scheme (webhook-id, webhook-timestamp, webhook-signature); every delivery is a logged run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from erp.sdk import (
    ConfigField,
    IntegrationAction,
    IntegrationContext,
    IntegrationFailed,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
)


async def post_event(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """The same message id on every retry of the same action, so receivers can deduplicate."""
    message_id = "msg_" + (context.idempotency_key or context.integration_id).replace(".", "_")
    body = json.dumps(
        {"type": inputs.get("eventType") or "erp.event", "data": inputs.get("payload") or {}},
        separators=(",", ":"),
        default=str,
    )
    headers = {"Content-Type": "application/json", "webhook-id": message_id}
    secret = context.setting("signingSecret")
    if secret:
        try:
            signer = Webhook(secret)
        except Exception as exc:  # the library raises its own base error for bad secrets
            raise IntegrationFailed(
                "the signing secret is not a valid whsec_ secret", retryable=False
            ) from exc
        now = datetime.now(UTC)
        headers["webhook-timestamp"] = str(int(now.timestamp()))
        headers["webhook-signature"] = signer.sign(message_id, now, body)
    for line in str(context.setting("headers") or "").splitlines():
        name, _, value = line.partition(":")
        if name.strip() and value.strip():
            headers[name.strip()] = value.strip()
    response = await context.http.request(
        "POST", str(context.setting("url")), content=body.encode(), headers=headers
    )
    raise_for_vendor(response, "deliver the webhook")
    return {"status": response.status_code, "messageId": message_id}


async def check(context: IntegrationContext) -> dict[str, Any]:
    return await post_event(context, {"eventType": "erp.ping", "payload": {"ping": True}})


WEBHOOK = VendorIntegration(
    name="WEBHOOK",
    label="Outgoing webhook",
    description="POST events to a URL, signed with the Standard Webhooks scheme.",
    config=(
        ConfigField("url", "Receiver URL", "url", required=True),
        ConfigField("signingSecret", "Signing secret (whsec_...)", secret=True),
        ConfigField("headers", "Extra headers (one Name: value a line)", "text"),
    ),
    actions=(
        IntegrationAction(
            "post_event",
            "Send the event",
            post_event,
            (
                ConfigField("eventType", "Event type"),
                ConfigField("payload", "Payload", "text", True),
            ),
        ),
    ),
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [WEBHOOK]
