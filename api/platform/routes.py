"""Routes of files (upload, download), the audit trail and the mail log (both read-only);
versions are in api/versions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import File as FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import DB, Actor, Config
from api.guards import requires
from api.platform.schemas import AuditLogOut, AuditUser, FileOut, OutgoingEmailOut
from api.resources import Resource, resource_router
from core.audit.reading import UNKNOWN, Author, authors_of
from core.entities import get_entity
from core.files import FILES, store_upload, stored_path
from core.models import AuditLog, File, OutgoingEmail

UPLOAD_CHUNK = 64 * 1024


@dataclass
class Upload:
    """The multipart form of an upload: one part named `file`."""

    file: UploadFile


UPLOAD_BODY_CAP = 256 * 1024 * 1024
"""Hard cap of an upload request; ERP_MAX_UPLOAD_BYTES (smaller) is enforced per file."""


async def present_audit(db: AsyncSession, rows: Sequence[AuditLog]) -> list[AuditLogOut]:
    authors = await authors_of(db, (row.user_id for row in rows))
    return [_audit_out(row, authors.get(row.user_id, UNKNOWN)) for row in rows]


def _audit_out(row: AuditLog, author: Author) -> AuditLogOut:
    return AuditLogOut(
        id=row.id,
        user_id=row.user_id,
        user=AuditUser(
            first_name=author.first_name,
            last_name=author.last_name,
            email=author.email,
            role=author.role,
        ),
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        changes=row.changes,
        metadata=row.metadata_,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        level=row.level,
        timestamp=row.timestamp,
    )


audit_logs = Resource(
    path="/audit-logs",
    model=AuditLog,
    out=AuditLogOut,
    create=None,
    update=None,
    read="audit.read",
    tag="audit-logs",
    can_delete=False,
    filters={
        "entity": AuditLog.entity,
        "entityId": AuditLog.entity_id,
        "userId": AuditLog.user_id,
        "action": AuditLog.action,
        "level": AuditLog.level,
    },
    sortable={"timestamp": AuditLog.timestamp, "action": AuditLog.action},
    default_sort="-timestamp",
    present_rows=present_audit,
)


outgoing_emails = Resource(
    path="/outgoing-emails",
    model=OutgoingEmail,
    out=OutgoingEmailOut,
    create=None,
    update=None,
    read="mail.read",
    tag="outgoing-emails",
    can_delete=False,
    filters={
        "status": OutgoingEmail.status,
        "sourceId": OutgoingEmail.source_id,
        "runId": OutgoingEmail.run_id,
        "messageId": OutgoingEmail.message_id,
    },
    sortable={
        "createdAt": OutgoingEmail.created_at,
        "updatedAt": OutgoingEmail.updated_at,
        "status": OutgoingEmail.status,
    },
)


@post(
    "/",
    guards=[requires("files.write")],
    tags=["files"],
    summary="Upload a file",
    request_max_body_size=UPLOAD_BODY_CAP,
)
async def upload_file(
    db: DB,
    principal: Actor,
    platform_settings: Config,
    data: Annotated[Upload, Body(media_type=RequestEncodingType.MULTI_PART)],
    context: Annotated[str | None, QueryParameter(name="context", max_length=64)] = None,
    context_id: Annotated[str | None, QueryParameter(name="contextId", max_length=36)] = None,
) -> FileOut:
    upload = data.file

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(UPLOAD_CHUNK):
            yield chunk

    row = await store_upload(
        db,
        principal,
        root=platform_settings.files_dir,
        original_name=upload.filename or "file",
        mimetype=upload.content_type,
        chunks=chunks(),
        max_bytes=platform_settings.max_upload_bytes,
        allowed_types=platform_settings.upload_types,
        context=context,
        context_id=context_id,
    )
    return msgspec.convert(row, FileOut, from_attributes=True)


@get(
    "/{id:str}/content",
    guards=[requires("files.read")],
    tags=["files"],
    summary="Download a file",
)
async def download_file(db: DB, platform_settings: Config, id: FromPath[str]) -> FileResponse:
    row = await get_entity(db, File, id)
    return FileResponse(
        path=stored_path(platform_settings.files_dir, row),
        filename=row.original_name,
        media_type=row.mimetype,
        content_disposition_type="attachment",
    )


files = Resource(
    path="/files",
    model=File,
    out=FileOut,
    create=None,
    update=None,
    read="files.read",
    kind=FILES,
    tag="files",
    filters={
        "context": File.context,
        "contextId": File.context_id,
        "uploadedBy": File.uploaded_by,
        "mimetype": File.mimetype,
    },
    sortable={
        "uploadedAt": File.uploaded_at,
        "size": File.size,
        "originalName": File.original_name,
    },
    default_sort="-uploadedAt",
    extra=(upload_file, download_file),
)


def routers() -> list[Any]:
    return [
        resource_router(files),
        resource_router(audit_logs),
        resource_router(outgoing_emails),
    ]
