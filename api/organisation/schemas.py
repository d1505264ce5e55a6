"""Request and response bodies of companies, departments, roles and users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.structs import Body, Out
from core.models import UserRole

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Color = Annotated[str, Meta(pattern=r"^#[0-9A-Fa-f]{6}$")]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Id = Annotated[str, Meta(min_length=1, max_length=36)]


class CompanyOut(Out):
    id: str
    name: str
    domain: str | None
    logo: str | None
    is_active: bool
    primary_color: str
    secondary_color: str
    require_two_factor: bool
    """Password sign-ins of the company's people need a TOTP code too (docs/accounts.md)."""
    created_at: datetime
    updated_at: datetime


class CompanyCreate(Body):
    name: Name
    domain: str | None = None
    logo: str | None = None
    is_active: bool = True
    primary_color: Color = "#3B82F6"
    secondary_color: Color = "#1A1F2E"
    require_two_factor: bool = False


class CompanyUpdate(Body):
    name: Name | UnsetType = UNSET
    domain: str | UnsetType | None = UNSET
    logo: str | UnsetType | None = UNSET
    is_active: bool | UnsetType = UNSET
    primary_color: Color | UnsetType = UNSET
    secondary_color: Color | UnsetType = UNSET
    require_two_factor: bool | UnsetType = UNSET


class DepartmentOut(Out):
    id: str
    name: str
    description: str | None
    parent_id: str | None
    company_id: str
    created_at: datetime
    updated_at: datetime


class DepartmentCreate(Body):
    name: Name
    description: str | None = None
    parent_id: Id | None = None


class DepartmentUpdate(Body):
    name: Name | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    parent_id: Id | UnsetType | None = UNSET


class DepartmentTree(Out):
    id: str
    name: str
    children: list[DepartmentTree]


class RoleOut(Out):
    id: str
    name: str
    description: str | None
    permissions: dict[str, Any]
    department_id: str | None
    company_id: str
    created_at: datetime
    updated_at: datetime


class RoleCreate(Body):
    name: Name
    description: str | None = None
    permissions: dict[str, bool] = msgspec.field(default_factory=dict)
    department_id: Id | None = None


class RoleUpdate(Body):
    name: Name | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    permissions: dict[str, bool] | UnsetType = UNSET
    department_id: Id | UnsetType | None = UNSET


class UserOut(Out):
    """A user as the API shows it: never the password hash."""

    id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: UserRole
    is_active: bool
    avatar: str | None
    company_id: str | None
    role_ids: list[str]
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime


class UserCreate(Body):
    email: Email
    password: Password
    first_name: str | None = None
    last_name: str | None = None
    role: UserRole = UserRole.EMPLOYEE
    is_active: bool = True
    avatar: str | None = None
    role_ids: list[Id] = msgspec.field(default_factory=list)


class UserUpdate(Body):
    email: Email | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    first_name: str | UnsetType | None = UNSET
    last_name: str | UnsetType | None = UNSET
    role: UserRole | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    avatar: str | UnsetType | None = UNSET
    role_ids: list[Id] | UnsetType = UNSET
