"""Routes of companies, departments (with their tree), roles and users."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromPath
from sqlalchemy.orm import selectinload

from api.deps import DB, Actor
from api.guards import requires
from api.organisation.schemas import (
    CompanyCreate,
    CompanyOut,
    CompanyUpdate,
    DepartmentCreate,
    DepartmentOut,
    DepartmentTree,
    DepartmentUpdate,
    RoleCreate,
    RoleOut,
    RoleUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)
from api.pagination import Limit, Offset, PageOut, page
from api.resources import Resource, resource_router
from core.access import Principal
from core.auth.passwords import hash_password
from core.entities import get_entity
from core.errors import PermissionDenied
from core.models import Company, Department, Role, User, UserRole
from core.organisation import delete_company, department_tree, ensure_no_cycle, resolve_roles


async def prepare_department(
    db: DB, _: Principal, values: dict[str, Any], row: Department | None
) -> dict[str, Any]:
    if row is not None and "parent_id" in values:
        await ensure_no_cycle(db, row.id, values["parent_id"])
    return values


async def prepare_user(
    db: DB, principal: Actor, values: dict[str, Any], row: User | None
) -> dict[str, Any]:
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
        values["roles"] = await resolve_roles(db, values.pop("role_ids"))
    return values


companies = Resource(
    path="/companies",
    model=Company,
    out=CompanyOut,
    create=CompanyCreate,
    update=CompanyUpdate,
    read="companies.read",
    write="companies.update",
    tag="companies",
    platform=True,
    create_permission="companies.create",
    delete_permission="companies.delete",
    filters={"isActive": Company.is_active, "domain": Company.domain},
    sortable={"name": Company.name, "createdAt": Company.created_at},
    remove=delete_company,
)
roles = Resource(
    path="/roles",
    model=Role,
    out=RoleOut,
    create=RoleCreate,
    update=RoleUpdate,
    read="roles.read",
    write="roles.write",
    tag="roles",
    filters={"departmentId": Role.department_id, "name": Role.name},
    sortable={"name": Role.name, "createdAt": Role.created_at},
    references={"department_id": Department},
)
users = Resource(
    path="/users",
    model=User,
    out=UserOut,
    create=UserCreate,
    update=UserUpdate,
    read="users.read",
    write="users.write",
    tag="users",
    filters={"role": User.role, "isActive": User.is_active, "email": User.email},
    sortable={"email": User.email, "createdAt": User.created_at, "lastLogin": User.last_login},
    prepare=prepare_user,
    load=(selectinload(User.roles),),
)


@get(
    "/tree",
    guards=[requires("departments.read")],
    tags=["departments"],
    summary="The department tree of the company",
)
async def departments_tree(
    db: DB, limit: Limit = 50, offset: Offset = 0
) -> PageOut[DepartmentTree]:
    return page(await department_tree(db), limit, offset, _tree)


@get(
    "/{id:str}/children",
    guards=[requires("departments.read")],
    tags=["departments"],
    summary="The sub-departments under a department, as a tree",
)
async def department_children(
    db: DB, id: FromPath[str], limit: Limit = 50, offset: Offset = 0
) -> PageOut[DepartmentTree]:
    await get_entity(db, Department, id)
    return page(await department_tree(db, id), limit, offset, _tree)


def _tree(node: Any) -> DepartmentTree:
    return DepartmentTree(id=node.id, name=node.name, children=[_tree(c) for c in node.children])


departments = Resource(
    path="/departments",
    model=Department,
    out=DepartmentOut,
    create=DepartmentCreate,
    update=DepartmentUpdate,
    read="departments.read",
    write="departments.write",
    tag="departments",
    filters={"parentId": Department.parent_id},
    sortable={"name": Department.name, "createdAt": Department.created_at},
    references={"parent_id": Department},
    prepare=prepare_department,
    extra=(departments_tree, department_children),
)


def routers() -> list[Any]:
    return [
        resource_router(companies),
        resource_router(departments),
        resource_router(roles),
        resource_router(users),
    ]
