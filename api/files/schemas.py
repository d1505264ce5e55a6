"""Response bodies of uploaded files."""

from __future__ import annotations

from datetime import datetime

from api.structs import Out


class FileOut(Out):
    id: str
    original_name: str
    mimetype: str
    size: int
    uploaded_by: str
    context: str | None
    context_id: str | None
    uploaded_at: datetime
