"""Schemathesis against `erp serve` on PostgreSQL, with every check it has: no request it
makes, valid or not, may cause a server error, an answer the document does not list (status,
content type, headers, body), an invalid input accepted, a public route said to need a token
or a guarded one answering without it. Bounded and deterministic: a few examples per
operation from a fixed seed."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from core.auth.passwords import hash_password_bcrypt
from core.auth.tokens import issue_access_token
from core.database import create_engine, session_factory
from core.models import Base, User, UserRole
from tests.world.app import SECRET
from tests.world.tenants import make_tenant

ERP = str(Path(sys.executable).with_name("erp"))
SCHEMATHESIS = str(Path(sys.executable).with_name("st"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
"""Seed, bounds, phases and the few places a well-formed request may still be refused."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """`erp serve` on the worker's database, and the headers of a platform developer acting
    in a company. The developer belongs to no company, so nothing schemathesis does in that
    company (deactivating it, or every user it finds) takes the credentials away."""

    async def seed() -> dict[str, str]:
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        tenant = await make_tenant(sessions, "Fuzz")
        async with sessions.begin() as session:
            developer = User(
                email="fuzz-developer@erpbuilder.com",
                # A password the run does not know, hashed as the seed's are (bcrypt), at
                # the lowest cost: the routes that check it run at every example.
                password=hash_password_bcrypt(secrets.token_urlsafe(), rounds=4),
                role=UserRole.DEVELOPER,
                company_id=None,
            )
            session.add(developer)
        await engine.dispose()
        token = issue_access_token(developer, SECRET, timedelta(hours=1))
        return {"Authorization": f"Bearer {token}", "X-Company-Id": tenant.company_id}

    headers = asyncio.run(seed())
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
    yield base, headers
    proc.terminate()
    proc.wait(timeout=10)
    log.close()

    async def wipe() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
        await engine.dispose()

    asyncio.run(wipe())


def failures_of(report: str) -> str:
    """The report's failures (or all of it if it has none), each line cut to a readable
    length (a generated request can be megabytes long)."""
    start = report.find("= FAILURES =")
    end = report.find("= WARNINGS =", start)
    found = report[start:end] if start >= 0 else report
    return "\n".join(line[:500] for line in found.splitlines())[-30_000:]


def test_the_api_answers_as_its_document_says(served, tmp_path) -> None:
    base, headers = served
    run = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            f"{base}/schema/openapi.json",
            *(arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, failures_of(report)
    # Every operation of the document was exercised (none skipped for want of a strategy).
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert selected, report[-5_000:]
    assert selected[1] == selected[2] == selected[3] and int(selected[3]) > 100, report[-5_000:]
