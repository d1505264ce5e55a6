"""`erp secrets rotate`: re-encrypt every integration secret, webhook signing secret, TOTP
secret, sign-in provider's client secret and pending sign-in's PKCE verifier under the newest
key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Integration, SignInProvider, SignInState, TwoFactorCredential
from core.models.automation import WebhookEndpoint
from core.vault import SEALED, SecretBox, is_sealed
from core.webhooks.service import SECRET_PREFIX


async def rotate_secrets(sessions: async_sessionmaker[AsyncSession], box: SecretBox) -> int:
    """Re-encrypt the sealed values of every company's integrations under the box's first
    key (rows locked one batch at a time); returns how many values were rewritten."""
    rewritten = 0
    async with sessions() as session, session.begin():
        rows = (await session.scalars(sa.select(Integration).with_for_update())).all()
        for row in rows:
            config: dict[str, Any] = {}
            for key, value in row.config.items():
                if is_sealed(value):
                    config[key] = box.rotate(value)
                    rewritten += 1
                else:
                    config[key] = value
            row.config = config
        # Inbound webhook signing secrets are sealed with the same keys.
        endpoints = (await session.scalars(sa.select(WebhookEndpoint).with_for_update())).all()
        for endpoint in endpoints:
            if not endpoint.secret.startswith(SECRET_PREFIX):
                endpoint.secret = box.rotate({SEALED: endpoint.secret})[SEALED]
                rewritten += 1
        # The accounts' sealed values (core.auth.two_factor, core.accounts.oidc).
        for credential in await session.scalars(sa.select(TwoFactorCredential).with_for_update()):
            credential.secret = box.rotate(credential.secret)
            rewritten += 1
        for provider in await session.scalars(sa.select(SignInProvider).with_for_update()):
            if provider.client_secret is not None and is_sealed(provider.client_secret):
                provider.client_secret = box.rotate(provider.client_secret)
                rewritten += 1
        for state in await session.scalars(sa.select(SignInState).with_for_update()):
            if is_sealed(state.code_verifier):
                state.code_verifier = box.rotate(state.code_verifier)
                rewritten += 1
    return rewritten
