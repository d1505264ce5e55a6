"""The scheduled/Celery tests share one loopback SMTP server per module (the background
processes under test send to it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.world.services import SmtpServer


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server
