"""Store uploads safely: size and type limits, company folders, server-chosen names."""

from __future__ import annotations

import mimetypes
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.audit import record_audit, snapshot
from core.errors import ErpError
from core.models import File


class FileTooLarge(ErpError):
    code = "file_too_large"
    status = 413


class FileTypeRefused(ErpError):
    code = "file_type_refused"
    status = 415


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
    Refuses types outside `allowed_types` and anything over `max_bytes`, leaving nothing."""
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
    try:
        with open(target, "xb") as out:  # noqa: ASYNC230 - local disk, small chunks
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(f"Files may be at most {max_bytes} bytes.")
                out.write(chunk)
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
