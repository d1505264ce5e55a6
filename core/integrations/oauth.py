"""The OAuth2 authorisation-code flow with PKCE and state: the vendor's consent URL for an
integration, and the callback that redeems the code and stores the refresh token sealed."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import ErpError, NotFound
from core.integrations.auth import token_request
from core.integrations.errors import AuthorizationInvalid, IntegrationFailed
from core.integrations.http import pool_for
from core.integrations.runner import integration_type
from core.integrations.sdk import OAuth2Credentials, VendorIntegration
from core.integrations.secrets import open_secrets
from core.models import Integration, OAuthAuthorization, utcnow
from core.settings import Settings
from core.vault import SecretBox

CALLBACK_PATH = "/integrations/oauth/callback"


class NotAnOAuthIntegration(ErpError):
    """The integration's type or settings do not use the OAuth2 consent flow."""

    code = "integration.not_oauth"
    status = 409


def callback_url(settings: Settings) -> str:
    """The redirect URI to register with the vendor."""
    return settings.automation.public_url + CALLBACK_PATH


def _oauth_credentials(row: Integration, box: SecretBox) -> OAuth2Credentials:
    itype = integration_type(str(getattr(row.type, "value", row.type)))
    credentials = (
        itype.credentials(open_secrets(row.config, box))
        if isinstance(itype, VendorIntegration) and itype.credentials
        else None
    )
    if not isinstance(credentials, OAuth2Credentials):
        raise NotAnOAuthIntegration(f"{itype.label} integrations are not connected with OAuth")
    if not credentials.client_id:
        raise NotAnOAuthIntegration("set the OAuth client ID (clientId) before connecting")
    return credentials


async def begin_authorization(
    session: AsyncSession, settings: Settings, *, integration_id: str
) -> str:
    """Remember a state and PKCE verifier for the integration and return the vendor's consent
    URL. `session` is the caller's tenant-scoped transaction."""
    box = SecretBox.from_settings(settings)
    row = await session.get(Integration, integration_id)
    if row is None:
        raise NotFound(f"integration {integration_id} not found")
    credentials = _oauth_credentials(row, box)
    provider = credentials.provider
    state = generate_token(40)
    verifier = generate_token(64)
    redirect_uri = callback_url(settings)
    session.add(
        OAuthAuthorization(
            state=state,
            company_id=row.company_id,
            integration_id=row.id,
            code_verifier=box.seal(verifier)["$encrypted"],
            redirect_uri=redirect_uri,
            expires_at=utcnow() + timedelta(seconds=settings.integrations.oauth_state_ttl),
        )
    )
    await session.flush()
    query = {
        "response_type": "code",
        "client_id": credentials.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scope_separator.join(provider.scopes),
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **provider.authorize_params,
    }
    return f"{provider.authorize_url}?{urlencode(query)}"


async def complete_authorization(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    state: str,
    code: str | None,
    error: str | None = None,
    accounts_server: str | None = None,
) -> str:
    """Redeem the vendor's code for the integration that `state` names (once, before it
    expires) and store the refresh token sealed; returns the integration id. Zoho passes
    `accounts-server` (the user's data centre), which then takes the token request."""
    box = SecretBox.from_settings(settings)
    async with sessions() as session, session.begin():
        pending = await session.get(OAuthAuthorization, state, with_for_update=True)
        if pending is None:
            raise AuthorizationInvalid("unknown or already used OAuth state")
        await session.delete(pending)
        if pending.expires_at <= utcnow():
            raise AuthorizationInvalid("the OAuth consent took too long; connect again")
        if error or not code:
            raise AuthorizationInvalid(f"the vendor did not grant access: {error or 'no code'}")
        row = await session.get(Integration, pending.integration_id, with_for_update=True)
        if row is None:
            raise AuthorizationInvalid("the integration was deleted meanwhile")
        credentials = _oauth_credentials(row, box)
        verifier = box.open({"$encrypted": pending.code_verifier})
        token_url = credentials.provider.token_url
        if accounts_server and credentials.provider.name == "Zoho":
            token_url = accounts_server.rstrip("/") + "/oauth/v2/token"
        client, _ = pool_for(row.id, settings)
        answer = await token_request(
            client,
            token_url,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending.redirect_uri,
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "code_verifier": verifier,
            },
        )
        if not answer.get("refresh_token"):
            raise IntegrationFailed(
                "the vendor issued no refresh token (offline access was not granted)",
                retryable=False,
            )
        row.config = _with_tokens(row.config, answer, box)
        return row.id


def _with_tokens(config: dict[str, Any], answer: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    updated = dict(config)
    updated["refreshToken"] = box.seal(answer["refresh_token"])
    updated["accessToken"] = box.seal(
        {
            "token": answer["access_token"],
            "expiresAt": time.time() + float(answer.get("expires_in") or 3600),
        }
    )
    if answer.get("api_domain"):  # Zoho says which data centre's API serves this account
        updated["apiDomain"] = answer["api_domain"]
    return updated
