"""`erp export` and `erp apply` as real processes: the demo installation's definitions
applied to another installation (its own database, one empty company) and exported from it
again are the same files byte for byte; a broken file is refused with its path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from core.auth.passwords import hash_password_bcrypt
from core.database import create_engine, session_factory, transaction
from core.migrate import upgrade
from core.models import Company, User, UserRole
from tests.world.app import SECRET
from tests.world.databases import admin_execute, fresh_database, worker_id
from tests.world.definitions import SECRETS, Seeded

ERP = str(Path(sys.executable).with_name("erp"))


def erp(database_url: URL, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": SECRET,
    }
    return subprocess.run(
        [ERP, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def production() -> Iterator[URL]:
    """Another installation: a migrated database of its own."""
    name = f"erp_test_{worker_id()}_production"
    url = fresh_database(name)
    upgrade(url)
    yield url
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def one_empty_company(url: URL) -> None:
    engine = create_engine(url)
    try:
        async with transaction(session_factory(engine)) as session:
            company = Company(name="Acme Production", domain="acme.example")
            session.add(company)
            await session.flush()
            session.add(
                User(
                    email="ops@acme.example",
                    password=hash_password_bcrypt("x" * 12, rounds=4),
                    role=UserRole.ADMIN,
                    company_id=company.id,
                )
            )
    finally:
        await engine.dispose()


def tree(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


async def test_the_cli_carries_definitions_to_another_installation_byte_for_byte(
    database_url: URL, production: URL, seeded: Seeded, tmp_path: Path
) -> None:
    staging, again = tmp_path / "staging", tmp_path / "again"
    exported = erp(database_url, "export", "--company", "acme.com", str(staging), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Acme Corporation: 14 definition file(s) written" in exported.stdout
    await one_empty_company(production)
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("".join(f"{ref}: {value}\n" for ref, value in SECRETS.items()))
    dry = erp(
        production, "apply", "--dry-run", "--secrets", str(secrets), str(staging), cwd=tmp_path
    )
    assert dry.returncode == 0, dry.stderr
    assert "Acme Production: 18 to create, 0 to change, 0 to delete" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    applied = erp(production, "apply", "--secrets", str(secrets), str(staging), cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "  + flow 'Purchase Request'  flows/purchase-request.yaml#" in applied.stdout
    assert applied.stdout.rstrip().endswith("Applied.")
    assert all(value not in applied.stdout + applied.stderr for value in SECRETS.values())
    exported = erp(production, "export", str(again), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert tree(again) == tree(staging)
    unchanged = erp(production, "apply", "--secrets", str(secrets), str(staging), cwd=tmp_path)
    assert unchanged.stdout.rstrip().endswith("Nothing to change.")

    flow = again / "flows" / "purchase-request.yaml"
    flow.write_text(flow.read_text().replace("deadlineHours: 24", "deadlineHours: soon"))
    refused = erp(production, "apply", str(again), cwd=tmp_path)
    assert refused.returncode == 1
    assert "nothing was written" in refused.stderr
    assert "flows/purchase-request.yaml#/levels/1/config/deadlineHours:" in refused.stderr
