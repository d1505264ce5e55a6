"""The write side of a company's organisation: companies, departments, roles and users, with
the rules each obeys (no department cycles; who may make or change whose account)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.auth.passwords import hash_password
from core.entities import EntityKind
from core.errors import PermissionDenied
from core.models import Company, Department, Role, User, UserRole
from core.organisation.service import delete_company, ensure_no_cycle, resolve_roles
from core.settings import Settings


async def department_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: Department | None,
    settings: Settings,
) -> dict[str, Any]:
    """A department may not be moved under itself or one of its own sub-departments."""
    if row is not None and "parent_id" in values:
        await ensure_no_cycle(session, row.id, values["parent_id"])
    return values


async def user_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: User | None,
    settings: Settings,
) -> dict[str, Any]:
    """Only developers make or change developers; nobody changes their own role; passwords
    are stored hashed, e-mails lower-cased, role ids resolved to the company's roles."""
    if values.get("role") is UserRole.DEVELOPER and not principal.is_developer:
        raise PermissionDenied("Only developers may create or promote developers.")
    if (
        row is not None
        and row.id == principal.user_id
        and "role" in values
        and values["role"] != row.role
    ):
        raise PermissionDenied("You cannot change your own role.")
    if row is not None and row.role is UserRole.DEVELOPER and not principal.is_developer:
        raise PermissionDenied("Only developers may change a developer's account.")
    if "password" in values:
        values["password"] = hash_password(values["password"])
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    if "role_ids" in values:
        values["roles"] = await resolve_roles(session, values.pop("role_ids"))
    return values


COMPANIES = EntityKind(
    Company,
    write="companies.update",
    create_permission="companies.create",
    delete_permission="companies.delete",
    remove=delete_company,
)
DEPARTMENTS = EntityKind(
    Department,
    write="departments.write",
    references={"parent_id": Department},
    prepare=department_values,
)
ROLES = EntityKind(Role, write="roles.write", references={"department_id": Department})
USERS = EntityKind(User, write="users.write", prepare=user_values)
