"""`erp backup` then `erp restore` into an empty database gives back every row of every
table and every uploaded file, on PostgreSQL (as a role the tenant policies bind) and on
SQLite; a restore refuses a database that is not empty and an archive it cannot trust."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from core.database import create_engine, session_factory, transaction
from core.demo import load_demo
from core.migrate import upgrade
from core.tenancy import install_tenant_scoping
from tests.world.app import SECRET
from tests.world.databases import admin_execute, embedded_database, fresh_database, worker_id
from tests.world.tenants import make_tenant

ERP = str(Path(sys.executable).with_name("erp"))


def erp(*args: str, url: URL, files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PG"))}
    env |= {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": SECRET,
        "ERP_FILES_DIR": str(files),
    }
    return subprocess.run(
        [ERP, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


async def fill(url: URL, files: Path) -> None:
    """The demo company and two more, and uploads of several kinds in their folders."""
    install_tenant_scoping()
    engine = create_engine(url, poolclass=sa.NullPool)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await load_demo(session)
        for name in ("Acme", "Globex"):
            await make_tenant(sessions, name)
    finally:
        await engine.dispose()
    (files / "acme").mkdir(parents=True)
    (files / "acme" / "receipt.pdf").write_bytes(b"%PDF-1.4\n% taxi receipt\n%%EOF\n")
    (files / "acme" / "photo.png").write_bytes(os.urandom(2 * 1024 * 1024))
    (files / "globex").mkdir()
    (files / "globex" / "notes.txt").write_text("Grüße, ünïcode ✓\n")
    (files / "globex" / "empty.csv").write_bytes(b"")


async def every_row(url: URL) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, as sorted lists of their values."""
    engine = create_engine(url, poolclass=sa.NullPool)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            quote = conn.dialect.identifier_preparer.quote
            return {
                name: sorted(
                    (
                        tuple(row)
                        for row in await conn.exec_driver_sql(f"SELECT * FROM {quote(name)}")
                    ),
                    key=repr,
                )
                for name in names
            }
    finally:
        await engine.dispose()


def every_file(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def bound_role() -> Iterator[tuple[str, str]]:
    """A login role as a deployment should have: no superuser, no BYPASSRLS."""
    role = f"erp_backup_{worker_id()}"
    admin_execute(
        f'DROP ROLE IF EXISTS "{role}"',
        f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'backup-pw' NOSUPERUSER NOBYPASSRLS",
    )
    yield role, "backup-pw"
    admin_execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def pg_databases(bound_role: tuple[str, str]) -> Iterator[tuple[URL, URL]]:
    """A source and an empty target database, both owned by the bound role."""
    role, password = bound_role
    names = [f"erp_backup_src_{worker_id()}", f"erp_backup_dst_{worker_id()}"]
    urls = []
    for name in names:
        fresh = fresh_database(name)
        admin_execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
        urls.append(fresh.set(username=role, password=password))
    yield urls[0], urls[1]
    admin_execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


async def test_postgresql_round_trip_gives_back_every_row_and_file(
    tmp_path: Path, pg_databases: tuple[URL, URL]
) -> None:
    source, target = pg_databases
    await asyncio.to_thread(upgrade, source)
    await fill(source, tmp_path / "files")
    archive = tmp_path / "erp.tar.gz"

    made = erp("backup", str(archive), url=source, files=tmp_path / "files", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "backup-pw" not in made.stdout + made.stderr

    restored = erp("restore", str(archive), url=target, files=tmp_path / "restored", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "every count and digest matches" in restored.stdout

    before, after = await every_row(source), await every_row(target)
    assert sorted(after) == sorted(before) and "alembic_version" in after
    for table, rows in before.items():
        assert after[table] == rows, table
    assert len(after["companies"]) == 3 and len(after["users"]) > 10
    assert every_file(tmp_path / "restored") == every_file(tmp_path / "files")

    manifest = read_manifest(archive)
    assert manifest["database"]["backend"] == "postgresql"
    assert manifest["database"]["tool"].startswith("pg_dump (PostgreSQL)")
    assert manifest["tables"] == {table: len(rows) for table, rows in before.items()}
    assert {f["path"] for f in manifest["files"]} == set(every_file(tmp_path / "files"))

    # The restored database is a working one: it is at the schema the code needs.
    current = erp("db", "current", url=target, files=tmp_path / "restored", cwd=tmp_path)
    assert current.stdout.strip() == manifest["migrationRevision"]

    # Now the target holds a database: restoring into it again (or into the source, or into
    # a database already migrated, which holds tables as well) is refused, and changes nothing.
    again = erp("restore", str(archive), url=target, files=tmp_path / "other", cwd=tmp_path)
    assert again.returncode == 1, again.stdout
    assert "is not empty" in again.stderr and "before `erp db upgrade`" in again.stderr
    assert "Traceback" not in again.stderr
    assert await every_row(target) == after


@pytest.fixture(scope="module")
async def sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> tuple[URL, Path, Path]:
    """An embedded database with data and files, and its backup: (its URL, files, archive)."""
    home = tmp_path_factory.mktemp("sqlite-backup")
    source = await embedded_database(home / "erp.db")
    await fill(source, home / "files")
    archive = home / "backups" / "erp.tar.gz"
    made = erp("backup", str(archive), url=source, files=home / "files", cwd=home)
    assert made.returncode == 0, made.stderr
    return source, home / "files", archive


async def test_sqlite_round_trip_gives_back_every_row_and_file(
    tmp_path: Path, sqlite_backup: tuple[URL, Path, Path]
) -> None:
    source, files, archive = sqlite_backup
    assert archive.stat().st_mode & 0o077 == 0  # every company's data: the owner's only

    target = source.set(database=str(tmp_path / "restored" / "erp.db"))
    restored = erp("restore", str(archive), url=target, files=tmp_path / "rfiles", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr

    before, after = await every_row(source), await every_row(target)
    assert before == after and len(before["companies"]) == 3
    assert every_file(tmp_path / "rfiles") == every_file(files)
    assert read_manifest(archive)["database"]["tool"].startswith("SQLite")

    # Once restored, the target is no longer empty: a second restore is refused.
    twice = erp("restore", str(archive), url=target, files=tmp_path / "empty", cwd=tmp_path)
    assert twice.returncode == 1 and "is not empty" in twice.stderr
    # Nor is a files folder that holds files.
    other = source.set(database=str(tmp_path / "other.db"))
    busy = erp("restore", str(archive), url=other, files=files, cwd=tmp_path)
    assert busy.returncode == 1 and "ERP_FILES_DIR" in busy.stderr
    assert not (tmp_path / "other.db").exists()


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return msgspec.json.decode(member.read())


def rewrite(
    archive: Path, to: Path, change: dict[str, Any] | None = None, damage: str = ""
) -> None:
    """Copy `archive` to `to` with the manifest changed, or one member's bytes damaged."""
    with tarfile.open(archive, "r:gz") as old, tarfile.open(to, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json" and change:
                data = msgspec.json.encode(msgspec.json.decode(data) | change)
            if member.name == damage:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize(
    ("change", "damage", "message"),
    [
        ({"migrationRevision": "9999_from_a_newer_release"}, "", "does not know"),
        ({"database": {"backend": "postgresql"}}, "", "same kind of database"),
        (None, "files/acme/receipt.pdf", "does not match its manifest"),
        (None, "database.sqlite3", "does not match its manifest"),
    ],
)
async def test_restore_refuses_an_archive_it_cannot_trust(
    tmp_path: Path,
    sqlite_backup: tuple[URL, Path, Path],
    change: dict[str, Any] | None,
    damage: str,
    message: str,
) -> None:
    source, _, archive = sqlite_backup
    if change and "database" in change:
        change = {"database": read_manifest(archive)["database"] | change["database"]}
    rewrite(archive, tmp_path / "changed.tar.gz", change, damage)

    target = source.set(database=str(tmp_path / "target.db"))
    refused = erp(
        "restore", str(tmp_path / "changed.tar.gz"), url=target, files=tmp_path / "t", cwd=tmp_path
    )
    assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
