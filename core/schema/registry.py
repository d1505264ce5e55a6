"""Which field types exist: the ones the loaded plugins registered."""

from __future__ import annotations

from collections.abc import Mapping

from core.plugins.fields import FieldType
from core.plugins.manager import get_plugins


def field_types() -> Mapping[str, FieldType]:
    """Every usable field type by name (built-in and third-party plugins alike)."""
    return get_plugins().contributions.field_types
