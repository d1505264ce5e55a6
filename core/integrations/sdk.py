"""The integrations part of the plugin SDK (re-exported by `erp.sdk`): the descriptors, the
context an integration's actions and sources run in, the credential schemes, and the errors
to raise. A third-party integration is written against it exactly as the built-in ones are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.http import HttpResponse
from core.integrations.auth import (
    ApiKey,
    AuthScheme,
    BasicAuth,
    NoAuth,
    OAuthProvider,
    StaticToken,
)
from core.integrations.errors import CredentialsRejected, IntegrationFailed, NotConnected
from core.integrations.http import VendorHttp
from core.plugins.integrations import ConfigField, IntegrationAction, IntegrationSource
from core.plugins.integrations import IntegrationType as _IntegrationType
from core.plugins.settings import PluginSettings

FileReader = Callable[[str], Awaitable[tuple[str, str, bytes]]]


@dataclass(frozen=True, slots=True)
class OAuth2Credentials:
    """Authorise with an OAuth2 access token, refreshed from the refresh token that the
    consent flow stored in the `refreshToken` secret."""

    provider: OAuthProvider
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class ServiceAccountCredentials:
    """Authorise as a Google service account (JWT bearer grant at `token_url`)."""

    token_url: str
    client_email: str
    private_key: str
    scopes: tuple[str, ...]
    subject: str | None = None


Credentials = AuthScheme | OAuth2Credentials | ServiceAccountCredentials


def source_item(key: str, cursor: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """One new item a source found, as `fetch` returns it: `key` identifies it for good (a
    message id, a row number), `cursor` is where the source stands once this item is handled,
    `data` is what the workflow's action receives (as `{{item.*}}`)."""
    return {"key": key, "cursor": dict(cursor), "data": dict(data)}


@dataclass(slots=True)
class IntegrationContext:
    """Everything an integration's action, source or connection check may use, all of it
    about one integration of one company."""

    integration_id: str
    company_id: str
    name: str
    config: Mapping[str, Any]
    """The integration's settings, secrets decrypted (never log them)."""
    http: VendorHttp
    read_file: FileReader = field(repr=False)
    """`read_file(file_id)`: a file of the company; use `file()`."""
    idempotency_key: str = ""
    cursor: Mapping[str, Any] = field(default_factory=dict)
    """For sources: where the last successful sync stopped ({} the first time)."""
    settings: PluginSettings | None = None
    """The settings of the plugin that provides the integration (`erp_register_settings`),
    read from the environment under its prefix; None when it declares none."""

    def setting(self, name: str, default: Any = None) -> Any:
        """The company's value of the integration setting `name` (`default` when empty)."""
        value = self.config.get(name)
        return default if value in (None, "") else value

    async def file(self, file_id: str) -> tuple[str, str, bytes]:
        """A file of the company (name, MIME type, content), e.g. for an attachment."""
        return await self.read_file(file_id)


@dataclass(frozen=True, slots=True)
class VendorIntegration(_IntegrationType):
    """An IntegrationType with how its calls are authorised (`credentials(config)`, from the
    decrypted settings) and a cheap call that proves the connection works (`check(context)`,
    returning what it learnt, raising IntegrationFailed with a plain reason)."""

    credentials: Callable[[Mapping[str, Any]], Credentials] | None = None
    check: Callable[[IntegrationContext], Awaitable[Mapping[str, Any]]] | None = None


def raise_for_vendor(response: HttpResponse, what: str, message: str | None = None) -> None:
    """Turn a vendor's error status into IntegrationFailed carrying `message` (the vendor's
    own error text); 401/403 become CredentialsRejected, 408/429/5xx stay retryable."""
    status = response.status_code
    if status < 400:
        return
    detail = message or response.text[:300]
    text = f"{what}: the vendor answered {status}: {detail}"
    if status in (401, 403):
        raise CredentialsRejected(text, status=status)
    raise IntegrationFailed(text, retryable=status >= 500 or status in (408, 429), status=status)


__all__ = [
    "ApiKey",
    "AuthScheme",
    "BasicAuth",
    "ConfigField",
    "Credentials",
    "CredentialsRejected",
    "FileReader",
    "IntegrationAction",
    "IntegrationContext",
    "IntegrationFailed",
    "IntegrationSource",
    "NoAuth",
    "NotConnected",
    "OAuth2Credentials",
    "OAuthProvider",
    "ServiceAccountCredentials",
    "StaticToken",
    "VendorIntegration",
    "raise_for_vendor",
    "source_item",
]
