"""Secrets are sealed at rest, checked against the plugin's schema, and `erp secrets rotate`
re-encrypts them under a new key so the old key can be dropped."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from core.errors import ValidationFailed
from core.integrations.runner import integration_type
from core.integrations.secrets import open_secrets, prepare_config, public_config
from core.models import Integration
from core.vault import SecretBox, SecretUnreadable, new_key
from tests.world.integrations import add_integration


def test_bad_settings_are_all_reported_without_echoing_secrets(box) -> None:
    with pytest.raises(ValidationFailed) as caught:
        prepare_config(
            integration_type("CUSTOM_API"),
            {},
            {"authScheme": "magic", "apiKey": "k-123", "port": 1},
            box,
        )
    problems = {(p.path, p.code) for p in caught.value.problems}
    assert problems == {
        ("/config/baseUrl", "required"),
        ("/config/authScheme", "not_an_option"),
        ("/config/port", "unknown_setting"),
    }
    assert "k-123" not in str(caught.value) + repr(caught.value.problems)


def test_secrets_kept_when_not_sent_again(box) -> None:
    itype = integration_type("CUSTOM_API")
    first = prepare_config(itype, {}, {"baseUrl": "http://x", "apiKey": "k-123"}, box)
    assert "k-123" not in str(first)
    second = prepare_config(itype, first, {"baseUrl": "http://y"}, box)
    assert open_secrets(second, box) == {"baseUrl": "http://y", "apiKey": "k-123"}
    assert public_config(second, itype) == {"baseUrl": "http://y"}


async def test_rotation_re_encrypts_under_the_new_key(sessions, box, acme, database_url) -> None:
    old_key, fresh = new_key(), new_key()
    old = SecretBox([old_key])
    integration = await add_integration(
        sessions, old, acme.company_id, "CUSTOM_API", {"baseUrl": "http://x", "token": "t-456"}
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": "k" * 40,
        "ERP_SECRETS_KEYS": f"{fresh},{old_key}",
    }
    erp = str(Path(sys.executable).parent / "erp")
    process = await asyncio.create_subprocess_exec(
        erp,
        "secrets",
        "rotate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert "re-encrypted 1 secret values" in stdout.decode()
    async with sessions() as session:
        config = (await session.get(Integration, integration)).config
    assert open_secrets(config, SecretBox([fresh]))["token"] == "t-456"
    with pytest.raises(SecretUnreadable):
        open_secrets(config, old)
