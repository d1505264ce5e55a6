"""Generic create/read/update/delete of platform entities, with tenancy and audit."""

from core.entities.service import (
    Page,
    create_entity,
    delete_entity,
    get_entity,
    list_entities,
    update_entity,
)

__all__ = [
    "Page",
    "create_entity",
    "delete_entity",
    "get_entity",
    "list_entities",
    "update_entity",
]
