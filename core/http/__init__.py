"""The one guarded outbound HTTP client of the platform (part of the plugin SDK)."""

from core.http.client import GuardedHttpClient, HttpResponse
from core.http.errors import OutboundRequestFailed, OutboundTargetBlocked, ResponseTooLarge
from core.http.guard import is_allowed_address

__all__ = [
    "GuardedHttpClient",
    "HttpResponse",
    "OutboundRequestFailed",
    "OutboundTargetBlocked",
    "ResponseTooLarge",
    "is_allowed_address",
]
