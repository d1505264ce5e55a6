"""Why an integration call did not do its work, each with a stable code."""

from __future__ import annotations

from core.errors import ErpError


class IntegrationFailed(ErpError):
    """The vendor refused or failed the call; the message carries the vendor's own error.
    `retryable=False` for failures another attempt cannot fix (a rejected record)."""

    code = "integration.failed"
    status = 502

    def __init__(self, message: str, *, retryable: bool = True, **extra: object) -> None:
        super().__init__(message, **extra)
        self.retryable = retryable


class CredentialsRejected(IntegrationFailed):
    """The vendor does not accept the stored credentials (expired or revoked refresh token,
    wrong client secret or API key): someone must reconnect the integration."""

    code = "integration.credentials_rejected"

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message, retryable=False, **extra)


class NotConnected(IntegrationFailed):
    """The integration has no usable credentials yet (OAuth consent not given)."""

    code = "integration.not_connected"
    status = 409

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message, retryable=False, **extra)


class IntegrationInactive(IntegrationFailed):
    """The integration is switched off (`isActive: false`): the request contradicts its
    state, the vendor was never asked."""

    code = "integration.inactive"
    status = 409

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message, retryable=False, **extra)


class UnknownIntegrationType(ErpError):
    """No loaded plugin provides this integration type."""

    code = "integration.unknown_type"
    status = 422


class UnknownOperation(ErpError):
    """The integration type offers no action or source of this name."""

    code = "integration.unknown_operation"
    status = 422


class AuthorizationInvalid(ErpError):
    """An OAuth callback whose state is unknown, used or expired, or that the vendor refused."""

    code = "integration.authorization_invalid"
    status = 400
