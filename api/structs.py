"""The bases of every request and response body at the API's edge (camelCase JSON keys)."""

from __future__ import annotations

import msgspec


class Body(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: camelCase keys, unknown keys rejected."""


class Out(msgspec.Struct, rename="camel", kw_only=True):
    """Base of response bodies."""
