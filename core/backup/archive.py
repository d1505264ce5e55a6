"""`erp backup` and `erp restore`: one gzipped tar holding the database image, the uploaded
files (ERP_FILES_DIR) and, last, the manifest that lists and digests all of it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import URL

from core.backup import postgres, sqlite
from core.backup.manifest import (
    FILES_PREFIX,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_MEMBER,
    DatabaseImage,
    Manifest,
    StoredFile,
    new_manifest,
)
from core.backup.tools import BackupFailed
from core.migrate import alembic_config, head_revision
from core.settings import Settings

__all__ = ["BackupFailed", "back_up", "restore"]

CHUNK = 1024 * 1024
MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class _Digest(io.RawIOBase):
    """Reads a file through, keeping its SHA-256 (files are hashed as they are archived)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        self.sha.update(data)
        buffer[: len(data)] = data
        return len(data)


def _add(tar: tarfile.TarFile, source: Path, name: str) -> tuple[int, str]:
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with source.open("rb") as raw:
        digest = _Digest(raw)
        tar.addfile(info, digest)
    return info.size, digest.sha.hexdigest()


def _uploads(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


async def back_up(settings: Settings, target: Path) -> Manifest:
    """Write the backup archive `target` (refusing to overwrite one) and return its manifest."""
    url = settings.database_url
    backend = url.get_backend_name()
    if await asyncio.to_thread(target.exists):
        raise BackupFailed(f"{target} exists already: name a new file")
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".erp-backup-") as work:
        image = Path(work) / MEMBERS[backend]
        if backend == "postgresql":
            d = await postgres.dump(url, image)
            dumped = _Database(backend, d.revision, d.counts, d.server, d.tool)
        else:
            revision, counts, version = await asyncio.to_thread(sqlite.dump, url, image)
            dumped = _Database(
                backend, revision, counts, version, f"SQLite {version} (online backup API)"
            )
        partial = Path(work) / "archive.tar.gz"
        manifest = await asyncio.to_thread(
            _write_archive,
            partial,
            image,
            settings.files_dir,
            dumped,
        )
        os.replace(partial, target)
    return manifest


@dataclass(frozen=True, slots=True)
class _Database:
    backend: str
    revision: str | None
    counts: dict[str, int]
    server: str
    tool: str


def _write_archive(path: Path, image: Path, files_dir: Path, db: _Database) -> Manifest:
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        size, sha = _add(tar, image, image.name)
        files = []
        for source, relative in _uploads(files_dir):
            try:
                file_size, file_sha = _add(tar, source, FILES_PREFIX + relative)
            except FileNotFoundError:  # deleted while the backup ran: its row is gone too
                continue
            files.append(StoredFile(path=relative, size=file_size, sha256=file_sha))
        manifest = new_manifest(
            created_at=datetime.now(UTC),
            migration_revision=db.revision,
            database=DatabaseImage(
                backend=db.backend,
                member=image.name,
                size=size,
                sha256=sha,
                server_version=db.server,
                tool=db.tool,
            ),
            tables=db.counts,
            files=files,
        )
        body = manifest.encode()
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.size, info.mtime, info.mode = len(body), int(datetime.now(UTC).timestamp()), 0o600
        tar.addfile(info, io.BytesIO(body))
    path.chmod(0o600)  # it holds every company's data and sealed secrets
    return manifest


def _open_archive(source: Path) -> tarfile.TarFile:
    if not source.is_file():
        raise BackupFailed(f"there is no backup archive at {source}")
    try:
        return tarfile.open(source, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupFailed(f"{source} is not a backup archive: {exc}") from None


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile(MANIFEST_MEMBER)
    except KeyError:
        member = None
    if member is None:
        raise BackupFailed("this archive has no manifest: it is not an ERP Builder backup")
    try:
        manifest = Manifest.decode(member.read())
    except Exception as exc:
        raise BackupFailed(f"the archive's manifest cannot be read: {exc}") from None
    if manifest.format != FORMAT or manifest.format_version > FORMAT_VERSION:
        raise BackupFailed(
            f"the archive is {manifest.format} version {manifest.format_version}; this release "
            f"reads {FORMAT} up to version {FORMAT_VERSION}"
        )
    return manifest


def check_revision(manifest: Manifest) -> None:
    """The backup's schema must be one this release knows: the release that made a newer one
    is the one to restore it with."""
    revision = manifest.migration_revision
    if revision is None:
        raise BackupFailed("the backed-up database had no schema (never migrated)")
    script = ScriptDirectory.from_config(alembic_config(URL.create("sqlite")))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupFailed(
            f"the backup is at schema revision {revision}, which this release "
            f"(ERP Builder {manifest.erp_version} made it; this one knows up to "
            f"{head_revision()}) does not know: restore it with the release that made it"
        )


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


def _extract_verified(tar: tarfile.TarFile, name: str, size: int, sha: str, to: Path) -> None:
    member = tar.extractfile(name) if _safe_member(name) else None
    if member is None:
        raise BackupFailed(f"the archive lacks {name}, which its manifest lists")
    digest = hashlib.sha256()
    written = 0
    to.parent.mkdir(parents=True, exist_ok=True)
    with to.open("xb") as out:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
            written += len(chunk)
            out.write(chunk)
    if written != size or digest.hexdigest() != sha:
        to.unlink()
        raise BackupFailed(f"{name} in the archive does not match its manifest (damaged?)")


def _ensure_no_files(files_dir: Path) -> None:
    if files_dir.is_dir() and any(p.is_file() for p in files_dir.rglob("*")):
        raise BackupFailed(
            f"the files folder {files_dir} (ERP_FILES_DIR) is not empty: restore into an empty "
            "one, as the database"
        )


async def restore(settings: Settings, source: Path) -> Manifest:
    """Restore the archive `source` into the empty database and files folder of `settings`,
    checking the manifest first and the restored rows and files against it after."""
    url = settings.database_url
    backend = url.get_backend_name()
    with _open_archive(source) as tar, tempfile.TemporaryDirectory(prefix=".erp-restore-") as work:
        manifest = read_manifest(tar)
        if manifest.database.backend != backend:
            raise BackupFailed(
                f"the backup is of a {manifest.database.backend} database and DATABASE_URL "
                f"names a {backend} one: restore into the same kind of database"
            )
        check_revision(manifest)
        if backend == "postgresql":
            await postgres.ensure_empty(url)
        else:
            sqlite.ensure_empty(url)
        _ensure_no_files(settings.files_dir)
        image = Path(work) / manifest.database.member
        db = manifest.database
        await asyncio.to_thread(_extract_verified, tar, db.member, db.size, db.sha256, image)
        if backend == "postgresql":
            revision, counts = await postgres.load(url, image)
        else:
            revision, counts = await asyncio.to_thread(sqlite.load, url, image)
        if revision != manifest.migration_revision or counts != manifest.tables:
            differ = sorted(
                t
                for t in set(counts) | set(manifest.tables)
                if counts.get(t) != manifest.tables.get(t)
            )
            raise BackupFailed(
                "the restored database does not match the manifest "
                f"(revision {revision}, tables differing: {', '.join(differ) or 'none'})"
            )
        root = settings.files_dir
        for stored in manifest.files:
            if not _safe_member(stored.path):
                raise BackupFailed(f"the manifest names a file outside the folder: {stored.path}")
            await asyncio.to_thread(
                _extract_verified,
                tar,
                FILES_PREFIX + stored.path,
                stored.size,
                stored.sha256,
                root / stored.path,
            )
    return manifest


def upgrade_needed(manifest: Manifest) -> bool:
    return manifest.migration_revision != head_revision()
