"""How an integration's requests are authorised: API keys, bearer and basic credentials, OAuth2
access tokens refreshed from a stored refresh token, and Google service accounts (JWT bearer
grant). The platform applies the scheme a plugin chooses; a 401 asks it to refresh once."""

from __future__ import annotations

import base64
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import jwt

from core.http import GuardedHttpClient, HttpResponse
from core.integrations.errors import CredentialsRejected, IntegrationFailed, NotConnected

SaveToken = Callable[[dict[str, Any]], Awaitable[None]]
"""Persists a new token blob ({"token", "expiresAt", "refreshToken"?}) sealed in the config."""
EXPIRY_MARGIN = 60.0


class AuthScheme(Protocol):
    """Adds credentials to a request; `refresh` gets new ones (False: nothing to refresh)."""

    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None: ...

    async def refresh(self) -> bool: ...


@dataclass(slots=True)
class NoAuth:
    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        return None

    async def refresh(self) -> bool:
        return False


@dataclass(slots=True)
class ApiKey:
    """A key sent in a header (`X-API-Key: ...`) or a query parameter (`?key=...`)."""

    name: str
    value: str
    in_query: bool = False

    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        if self.in_query:
            params[self.name] = self.value
        else:
            headers[self.name] = self.value

    async def refresh(self) -> bool:
        return False


@dataclass(slots=True)
class StaticToken:
    """`Authorization: <prefix> <token>` with a fixed token (bearer)."""

    token: str
    prefix: str = "Bearer"

    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        headers["Authorization"] = f"{self.prefix} {self.token}"

    async def refresh(self) -> bool:
        return False


@dataclass(slots=True)
class BasicAuth:
    username: str
    password: str

    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        pair = f"{self.username}:{self.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    async def refresh(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class OAuthProvider:
    """A vendor's OAuth2 endpoints. `token_prefix` is what precedes the access token in the
    Authorization header ("Bearer"; Zoho wants "Zoho-oauthtoken")."""

    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    token_prefix: str = "Bearer"  # noqa: S105 (a header scheme, not a secret)
    scope_separator: str = " "


@dataclass(slots=True)
class _TokenHolder(ABC):
    """An access token with its expiry, refreshed when it is due or the vendor says 401.
    Subclasses say how a new token is granted."""

    http: GuardedHttpClient
    save: SaveToken
    stored: Mapping[str, Any] | None
    prefix: str = "Bearer"

    def _valid(self) -> str | None:
        if not self.stored or not self.stored.get("token"):
            return None
        if float(self.stored.get("expiresAt") or 0) - EXPIRY_MARGIN <= time.time():
            return None
        return str(self.stored["token"])

    async def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        token = self._valid()
        if token is None:
            await self.refresh()
            token = str(self.stored["token"]) if self.stored else ""
        headers["Authorization"] = f"{self.prefix} {token}"

    async def refresh(self) -> bool:
        answer = await self._grant()
        self.stored = {
            "token": answer["access_token"],
            "expiresAt": time.time() + float(answer.get("expires_in") or 3600),
        }
        if answer.get("refresh_token"):
            self.stored["refreshToken"] = answer["refresh_token"]
        await self.save(dict(self.stored))
        return True

    @abstractmethod
    async def _grant(self) -> dict[str, Any]:
        """The token endpoint's answer (`access_token`, `expires_in`, maybe `refresh_token`)."""


@dataclass(slots=True)
class OAuth2Tokens(_TokenHolder):
    """Access tokens from the refresh-token grant of an OAuth2 provider."""

    provider: OAuthProvider | None = None
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str | None = None

    async def _grant(self) -> dict[str, Any]:
        assert self.provider is not None
        if not self.refresh_token:
            raise NotConnected(
                f"not connected to {self.provider.name}: no refresh token yet "
                "(open GET /integrations/{id}/connect and give consent)"
            )
        return await token_request(
            self.http,
            self.provider.token_url,
            {
                "grant_type": "refresh_token",
                "refresh_token": self.refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )


@dataclass(slots=True)
class ServiceAccountTokens(_TokenHolder):
    """Google service account: a JWT signed with the account's private key, exchanged at the
    token URL (RFC 7523 JWT bearer grant); `subject` impersonates a Workspace user."""

    token_url: str = ""
    client_email: str = ""
    private_key: str = ""
    scopes: tuple[str, ...] = ()
    subject: str | None = None

    async def _grant(self) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.client_email,
            "scope": " ".join(self.scopes),
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,
        }
        if self.subject:
            claims["sub"] = self.subject
        try:
            assertion = jwt.encode(claims, self.private_key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise CredentialsRejected(
                "the service account's private key is not a valid PEM RSA key"
            ) from exc
        return await token_request(
            self.http,
            self.token_url,
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        )


async def token_request(
    http: GuardedHttpClient, url: str, form: Mapping[str, str]
) -> dict[str, Any]:
    """POST a form to a token endpoint; the vendor's `error`/`error_description` become a
    CredentialsRejected (the client or grant is refused) or an IntegrationFailed."""
    response = await http.request(
        "POST",
        url,
        content=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    body = _json(response)
    if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, str) else None
    detail = body.get("error_description") if isinstance(body, dict) else None
    what = f"{error}: {detail}" if detail else str(error or f"HTTP {response.status_code}")
    # Zoho answers 200 with {"error": "invalid_code"}; others 400/401 with an OAuth error.
    if error and response.status_code in (200, 400, 401):
        raise CredentialsRejected(f"the token endpoint refused the credentials ({what})")
    raise IntegrationFailed(
        f"the token endpoint answered {response.status_code} ({what})",
        retryable=response.status_code >= 500 or response.status_code == 429,
    )


def _json(response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
