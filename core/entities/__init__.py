"""Generic create/read/update/delete of platform entities, with tenancy and audit."""

from core.entities.kinds import EntityKind, Prepare, check_references
from core.entities.service import (
    Page,
    create_entity,
    delete_entity,
    get_entity,
    list_entities,
    update_entity,
)

__all__ = [
    "EntityKind",
    "Page",
    "Prepare",
    "check_references",
    "create_entity",
    "delete_entity",
    "get_entity",
    "list_entities",
    "update_entity",
]
