"""A company's organisation: the department tree, roles and who holds them."""

from core.organisation.service import (
    department_tree,
    ensure_no_cycle,
    resolve_roles,
)

__all__ = ["department_tree", "ensure_no_cycle", "resolve_roles"]
