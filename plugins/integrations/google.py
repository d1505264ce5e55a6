"""What Gmail and Google Sheets share: Google's OAuth2 endpoints, the service-account
alternative, and the settings that choose between them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erp.sdk import (
    ConfigField,
    Credentials,
    IntegrationFailed,
    OAuth2Credentials,
    OAuthProvider,
    ServiceAccountCredentials,
)

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 (an endpoint)

CONFIG = (
    ConfigField("clientId", "OAuth client ID", description="From Google Cloud Console."),
    ConfigField("clientSecret", "OAuth client secret", secret=True),
    ConfigField("refreshToken", "Refresh token", secret=True, description="Set by /connect."),
    ConfigField("serviceAccountEmail", "Service account e-mail", type="email"),
    ConfigField("privateKey", "Service account private key (PEM)", type="text", secret=True),
    ConfigField("subject", "User to impersonate (domain-wide delegation)", type="email"),
    ConfigField("apiBaseUrl", "API base URL", type="url", description="Tests and proxies only."),
    ConfigField("authorizeUrl", "OAuth authorize URL", type="url"),
    ConfigField("tokenUrl", "OAuth token URL", type="url"),
)


def google_credentials(scopes: tuple[str, ...]) -> Any:
    """The credentials function of a Google integration needing `scopes`: a service account
    when its key is configured, the OAuth2 client otherwise."""

    def credentials(config: Mapping[str, Any]) -> Credentials:
        token_url = config.get("tokenUrl") or TOKEN_URL
        if config.get("privateKey"):
            if not config.get("serviceAccountEmail"):
                raise IntegrationFailed("the service account e-mail is missing", retryable=False)
            return ServiceAccountCredentials(
                token_url=token_url,
                client_email=config["serviceAccountEmail"],
                private_key=config["privateKey"],
                scopes=scopes,
                subject=config.get("subject") or None,
            )
        return OAuth2Credentials(
            provider=OAuthProvider(
                name="Google",
                authorize_url=config.get("authorizeUrl") or AUTHORIZE_URL,
                token_url=token_url,
                scopes=scopes,
                # A refresh token is only issued for offline access, and again only on consent.
                authorize_params={"access_type": "offline", "prompt": "consent"},
            ),
            client_id=config.get("clientId") or "",
            client_secret=config.get("clientSecret") or "",
        )

    return credentials


def google_error(body: Any) -> str:
    """Google's error body: {"error": {"code", "message", "status"}}."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('status', '')} {error.get('message', '')}".strip()
    return str(body)[:300]
