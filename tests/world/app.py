"""The API as tests run it: its settings on the worker's database, and signed-in headers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL

from core.auth.tokens import issue_access_token
from core.demo import DEMO_PASSWORD
from core.models import Company, User
from core.settings import AutomationSettings, Settings

SECRET = "test-secret-" + "x" * 40


def make_settings(database_url: URL, files_dir: Path, **automation: Any) -> Settings:
    """The API alone: no in-process automation pipeline (the trigger tests run their own);
    `automation` overrides other automation settings."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        files_dir=files_dir,
        max_upload_bytes=64 * 1024,
        automation=AutomationSettings(**{"in_process": False, **automation}),
    )


def token_for(user: User, ttl: timedelta = timedelta(minutes=5)) -> str:
    return issue_access_token(user, SECRET, ttl)


def auth_headers(user: User, company: Company | str | None = None) -> dict[str, str]:
    """The user signed in; with `company`, acting in it (a developer choosing a client)."""
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    if company is not None:
        headers["X-Company-Id"] = company if isinstance(company, str) else company.id
    return headers


async def sign_in(
    client: AsyncTestClient[Any], email: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    """Sign in through the API as the person with `email` (a demo user by default)."""
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}
