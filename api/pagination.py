"""Paginated list responses: `{"items": [...], "total", "limit", "offset"}`."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")

MAX_LIMIT = 200


class PageOut(msgspec.Struct, Generic[T], rename="camel"):
    items: list[T]
    total: int
    limit: int
    offset: int
