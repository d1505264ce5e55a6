"""The entity types that have versions: resolution and publishing both check a name here."""

from __future__ import annotations

from core.releases.errors import UnknownEntityType

ENTITY_TYPES = ("Task", "Flow", "CustomTable", "Dataset")


def check_entity_type(entity_type: str) -> str:
    if entity_type not in ENTITY_TYPES:
        raise UnknownEntityType(
            f"Entity type {entity_type!r} has no versions; use one of {', '.join(ENTITY_TYPES)}."
        )
    return entity_type
