"""Store uploads safely: size and type limits, company folders, server-chosen names."""

from __future__ import annotations

import codecs
import mimetypes
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

import puremagic
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.audit import record_audit, snapshot
from core.entities import EntityKind
from core.errors import ErpError
from core.models import File


class FileTooLarge(ErpError):
    code = "file_too_large"
    status = 413


class FileTypeRefused(ErpError):
    code = "file_type_refused"
    status = 415


SNIFF_BYTES = 64 * 1024
"""How much of an upload is read to tell its real type (signatures sit at the start)."""
ACTIVE_CONTENT = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
"""Types a browser runs scripts in: never accepted under a text type's name."""


def _is_text(mimetype: str) -> bool:
    return mimetype.startswith("text/") or mimetype == "application/json"


def content_problem(head: bytes, declared: str) -> str | None:
    """Why the first bytes of a file are not of the `declared` type, or None when they are.
    A binary type must be recognised as itself (by its signature); a text type must be UTF-8
    without NUL bytes and not a page or image a browser would run scripts in."""
    try:
        found = {m.mime_type for m in puremagic.magic_string(head)} if head else set()
    except puremagic.PureError:
        found = set()
    looks = f" (it looks like {sorted(found)[0]})" if found else ""
    if declared in found:
        return None
    if not _is_text(declared):
        return f"The file's content is not {declared}{looks}."
    if found & ACTIVE_CONTENT:
        return f"The file's content is not {declared}{looks}."
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return f"The file's content is not {declared} (it is not UTF-8 text)."
    if b"\0" in head:
        return f"The file's content is not {declared} (it holds binary data)."
    return None


def _safe_original_name(name: str) -> str:
    # Keep only the last path component and printable characters; it is shown, not used.
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>|')
    return cleaned[:255] or "file"


async def store_upload(
    session: AsyncSession,
    principal: Principal,
    *,
    root: Path,
    original_name: str,
    mimetype: str,
    chunks: AsyncIterator[bytes],
    max_bytes: int,
    allowed_types: tuple[str, ...],
    context: str | None = None,
    context_id: str | None = None,
) -> File:
    """Write the upload to `root/<company>/<uuid><ext>` and record its File row (audited).
    Refuses types outside `allowed_types`, content that is not of the declared type (it is
    served back under that type), and anything over `max_bytes`, leaving nothing."""
    mimetype = mimetype.split(";", 1)[0].strip().lower()
    if mimetype not in allowed_types:
        raise FileTypeRefused(f"Files of type {mimetype or 'unknown'} are not accepted.")
    company = principal.company_id or "platform"
    ext = mimetypes.guess_extension(mimetype) or ""
    stored_name = f"{uuid.uuid4().hex}{ext}"
    relative = Path(company) / stored_name
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    head = b""
    try:
        with open(target, "xb") as out:  # noqa: ASYNC230 - local disk, small chunks
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(f"Files may be at most {max_bytes} bytes.")
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                out.write(chunk)
        if (problem := content_problem(head, mimetype)) is not None:
            raise FileTypeRefused(problem)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    row = File(
        filename=stored_name,
        original_name=_safe_original_name(original_name),
        mimetype=mimetype,
        size=size,
        path=str(relative),
        uploaded_by=principal.user_id,
        context=context,
        context_id=context_id,
        company_id=principal.company_id,
    )
    session.add(row)
    try:
        await session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    record_audit(session, principal, "file.created", "File", row.id, after=snapshot(row))
    return row


def stored_path(root: Path, row: File) -> Path:
    """The file's location on disk, refusing anything that would leave `root`."""
    path = (root / row.path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ErpError("The stored path of this file is invalid.")
    return path


def delete_stored(root: Path, row: File) -> None:
    """Remove the file's bytes (after its row has been deleted)."""
    path = stored_path(root, row)
    if path.exists():
        os.remove(path)


FILES = EntityKind(File, write="files.write")
"""The write side of files: uploaded by store_upload, deleted through core.entities."""
