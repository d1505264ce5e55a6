"""API fixtures: the app on the worker's database, two companies with a user of every role,
and clients signed in as each of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from core.auth.passwords import hash_password_bcrypt
from core.auth.tokens import issue_access_token
from core.models import Company, Department, Role, User, UserRole
from core.settings import AutomationSettings, Settings
from tests.conftest import admin_execute, worker_id

SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


@dataclass
class Tenant:
    """A company and one user of each role in it."""

    company: Company
    users: dict[UserRole, User] = field(default_factory=dict)
    department: Department | None = None
    role: Role | None = None


def make_settings(database_url: URL, files_dir: Path) -> Settings:
    """The API alone: no in-process automation pipeline (the trigger tests run their own)."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        files_dir=files_dir,
        max_upload_bytes=64 * 1024,
        automation=AutomationSettings(in_process=False),
    )


@pytest.fixture
async def client(database_url: URL, sessions, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    app = create_app(make_settings(database_url, tmp_path / "files"))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def make_tenant(sessions, name: str) -> Tenant:
    slug = name.lower()
    hashed = hash_password_bcrypt(PASSWORD, rounds=4)
    async with sessions.begin() as session:
        company = Company(name=name, domain=f"{slug}.test")
        session.add(company)
        await session.flush()
        tenant = Tenant(company=company)
        for role in UserRole:
            user = User(
                email=f"{role.value.lower()}@{slug}.test",
                password=hashed,
                role=role,
                first_name=role.value.title(),
                last_name=name,
                company_id=company.id,
            )
            session.add(user)
            tenant.users[role] = user
        tenant.department = Department(name="Finance", company_id=company.id)
        tenant.role = Role(name="Approver", company_id=company.id, permissions={"canApprove": True})
        session.add_all([tenant.department, tenant.role])
    return tenant


@pytest.fixture
async def acme(sessions) -> Tenant:
    return await make_tenant(sessions, "Acme")


@pytest.fixture
async def globex(sessions) -> Tenant:
    return await make_tenant(sessions, "Globex")


def token_for(user: User) -> str:
    return issue_access_token(user, SECRET, timedelta(minutes=5))


def auth_headers(user: User, company: Company | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    if company is not None:
        headers["X-Company-Id"] = company.id
    return headers


@pytest.fixture
def as_admin(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.ADMIN])


@pytest.fixture
def as_employee(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.EMPLOYEE])


@pytest.fixture
def as_developer(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.DEVELOPER], acme.company)


@pytest.fixture(scope="session")
def login_role(database_url: URL) -> Iterator[URL]:
    """The worker's database as a deployment should connect to it: a role that is neither
    superuser nor BYPASSRLS, so row-level security binds every request. Its URL."""
    role = f"erp_login_{worker_id()}"
    admin_execute(
        f'DROP ROLE IF EXISTS "{role}"', f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'
    )
    yield database_url.set(username=role)
    admin_execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
async def rls_client(
    login_role: URL, engine: AsyncEngine, sessions, tmp_path: Path
) -> AsyncIterator[AsyncTestClient]:
    """The API connected as `login_role` (granted on every table for this test)."""
    role = login_role.username
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        await conn.exec_driver_sql(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
    app = create_app(make_settings(login_role, tmp_path / "files"))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
