"""Inbound webhooks: per-trigger endpoints with an unguessable URL and a signing secret;
deliveries are verified (Standard Webhooks), deduplicated and recorded as events."""

from core.webhooks.errors import (
    WebhookDuplicate,
    WebhookNotFound,
    WebhookPayloadTooLarge,
    WebhookSignatureInvalid,
)
from core.webhooks.receiving import receive_webhook
from core.webhooks.service import (
    EndpointCreated,
    create_endpoint,
    delete_endpoint,
    endpoint_url,
    list_endpoints,
    rotate_secret,
    sign_delivery,
)

__all__ = [
    "EndpointCreated",
    "WebhookDuplicate",
    "WebhookNotFound",
    "WebhookPayloadTooLarge",
    "WebhookSignatureInvalid",
    "create_endpoint",
    "delete_endpoint",
    "endpoint_url",
    "list_endpoints",
    "receive_webhook",
    "rotate_secret",
    "sign_delivery",
]
