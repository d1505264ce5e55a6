"""Why an inbound webhook delivery was refused."""

from __future__ import annotations

from core.errors import Conflict, ErpError, NotFound


class WebhookNotFound(NotFound):
    """No active endpoint has this id (a wrong, deleted or disabled URL look the same)."""

    code = "webhook.not_found"


class WebhookSignatureInvalid(ErpError):
    """Missing or wrong webhook-id / webhook-timestamp / webhook-signature headers, or a
    timestamp outside the tolerance (a replay of an old delivery)."""

    code = "webhook.signature_invalid"
    status = 401


class WebhookPayloadTooLarge(ErpError):
    """The body exceeds ERP_WEBHOOK_MAX_BODY_BYTES."""

    code = "webhook.payload_too_large"
    status = 413


class WebhookDuplicate(Conflict):
    """A delivery with this webhook-id was accepted already."""

    code = "webhook.duplicate"
