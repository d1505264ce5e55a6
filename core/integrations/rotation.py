"""`erp secrets rotate`: re-encrypt every integration secret and webhook signing secret under
the newest key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Integration
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
    return rewritten
