"""Routes of files: upload, download, listing and deleting them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import File as FileResponse

from api.deps import DB, Actor, Config
from api.files.schemas import FileOut
from api.guards import requires
from api.openapi import problems
from api.resources import Resource, resource_router
from core.entities import get_entity
from core.files import FILES, store_upload, stored_path
from core.models import File

UPLOAD_CHUNK = 64 * 1024


@dataclass
class Upload:
    """The multipart form of an upload: one part named `file`."""

    file: UploadFile


UPLOAD_BODY_CAP = 256 * 1024 * 1024
"""Hard cap of an upload request; ERP_MAX_UPLOAD_BYTES (smaller) is enforced per file."""


@post(
    "/",
    guards=[requires("files.write")],
    summary="Upload a file",
    request_max_body_size=UPLOAD_BODY_CAP,
    responses=problems(415),
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
    summary="Download a file",
    # The file's own type, as recognised when it was uploaded (the response names it).
    media_type="*/*",
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


router = Router(path="/", route_handlers=[resource_router(files)])
