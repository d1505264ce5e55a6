"""Routes of companies, departments (with their tree), roles and users."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.params import FromPath
from sqlalchemy.orm import selectinload

from api.deps import DB
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
from core.entities import get_entity
from core.models import Company, Department, Role, User
from core.organisation import department_tree
from core.organisation.kinds import COMPANIES, DEPARTMENTS, ROLES, USERS

companies = Resource(
    path="/companies",
    model=Company,
    out=CompanyOut,
    create=CompanyCreate,
    update=CompanyUpdate,
    read="companies.read",
    kind=COMPANIES,
    tag="companies",
    platform=True,
    filters={"isActive": Company.is_active, "domain": Company.domain},
    sortable={"name": Company.name, "createdAt": Company.created_at},
)
roles = Resource(
    path="/roles",
    model=Role,
    out=RoleOut,
    create=RoleCreate,
    update=RoleUpdate,
    read="roles.read",
    kind=ROLES,
    tag="roles",
    filters={"departmentId": Role.department_id, "name": Role.name},
    sortable={"name": Role.name, "createdAt": Role.created_at},
)
users = Resource(
    path="/users",
    model=User,
    out=UserOut,
    create=UserCreate,
    update=UserUpdate,
    read="users.read",
    kind=USERS,
    tag="users",
    filters={"role": User.role, "isActive": User.is_active, "email": User.email},
    sortable={"email": User.email, "createdAt": User.created_at, "lastLogin": User.last_login},
    load=(selectinload(User.roles),),
)


@get(
    "/tree",
    guards=[requires("departments.read")],
    summary="The department tree of the company",
)
async def departments_tree(
    db: DB, limit: Limit = 50, offset: Offset = 0
) -> PageOut[DepartmentTree]:
    return page(await department_tree(db), limit, offset, _tree)


@get(
    "/{id:str}/children",
    guards=[requires("departments.read")],
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
    kind=DEPARTMENTS,
    tag="departments",
    filters={"parentId": Department.parent_id},
    sortable={"name": Department.name, "createdAt": Department.created_at},
    extra=(departments_tree, department_children),
)


router = Router(
    path="/",
    route_handlers=[
        resource_router(companies),
        resource_router(departments),
        resource_router(roles),
        resource_router(users),
    ],
)
