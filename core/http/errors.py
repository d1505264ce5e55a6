"""Why an outbound HTTP request did not produce a response."""

from __future__ import annotations

from core.errors import ErpError


class OutboundRequestFailed(ErpError):
    """The request could not be completed (connection refused, timeout, bad URL...)."""

    code = "http.request_failed"
    status = 502


class OutboundTargetBlocked(OutboundRequestFailed):
    """The URL resolves to a private, loopback, link-local or otherwise non-public address and
    the configuration does not allow those (ERP_HTTP_ALLOW_PRIVATE)."""

    code = "http.target_blocked"
    status = 422


class ResponseTooLarge(OutboundRequestFailed):
    """The response body exceeded ERP_HTTP_MAX_RESPONSE_BYTES."""

    code = "http.response_too_large"
