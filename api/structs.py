"""The bases of every request and response body at the API's edge (camelCase JSON keys)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


class Body(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: camelCase keys, unknown keys rejected."""


class Out(msgspec.Struct, rename="camel", kw_only=True):
    """Base of response bodies."""


def to_out(struct: type[S], row: Any) -> S:
    """`struct` filled from the attributes of `row` (a model row or a core value) by name."""
    return msgspec.convert(row, struct, from_attributes=True)


def mapper(struct: type[S]) -> Callable[[Any], S]:
    """The function showing a row as `struct`, for bodies whose fields are the row's own."""
    return partial(to_out, struct)
