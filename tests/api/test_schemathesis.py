"""Property-based run of schemathesis against the served OpenAPI document: no request it
generates may cause a server error or a response that breaks its documented schema."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.database import create_engine, session_factory
from core.models import Base, UserRole
from tests.world.app import SECRET, auth_headers
from tests.world.tenants import make_tenant

ERP = str(Path(sys.executable).with_name("erp"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served_api(database_url, tmp_path_factory):
    """`erp serve` on the worker's database, and the headers of an admin of a company."""

    async def seed():
        engine = create_engine(database_url)
        tenant = await make_tenant(session_factory(engine), "Fuzz")
        await engine.dispose()
        return tenant

    tenant = asyncio.run(seed())
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": SECRET,
        "ERP_FILES_DIR": str(tmp_path_factory.mktemp("files")),
        "ERP_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path_factory.mktemp("log") / "serve.log").open("w+")
    proc = subprocess.Popen(
        [ERP, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/health", timeout=1)
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "erp serve did not start"
            time.sleep(0.2)
    yield base, auth_headers(tenant.users[UserRole.ADMIN])
    proc.terminate()
    proc.wait(timeout=10)
    log.close()

    async def wipe():
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
        await engine.dispose()

    asyncio.run(wipe())


def test_api_never_errors_and_keeps_its_schema(served_api) -> None:
    base, headers = served_api
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def exercise(case) -> None:
            case.call_and_validate(
                base_url=base,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            exercise()
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert operations > 30
    assert failures == []
