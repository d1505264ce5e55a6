"""The company's uploaded files as integrations read them (e-mail attachments)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import NotFound
from core.files.storage import stored_path
from core.models import File
from core.settings import Settings
from core.tenancy import scope


async def read_company_file(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, company_id: str, file_id: str
) -> tuple[str, str, bytes]:
    """(original name, MIME type, content) of a file of the company."""
    async with sessions() as session:
        scope(session, company_id)
        row = await session.get(File, file_id)
        if row is None or row.company_id != company_id:
            raise NotFound(f"file {file_id} not found")
        path = stored_path(settings.files_dir, row)
    content = await asyncio.to_thread(path.read_bytes)
    return row.original_name, row.mimetype, content
