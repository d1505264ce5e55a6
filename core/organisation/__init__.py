"""A company's organisation: the department tree, roles and who holds them."""

from core.organisation.service import (
    CompanyHasData,
    delete_company,
    department_tree,
    ensure_no_cycle,
    resolve_roles,
)

__all__ = [
    "CompanyHasData",
    "delete_company",
    "department_tree",
    "ensure_no_cycle",
    "resolve_roles",
]
