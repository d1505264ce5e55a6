"""Users, companies (the tenants), departments and roles: the seed's sections 1 and 2."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, TenantOwned, Timestamps, enum_column, id_column, json_column
from core.models.enums import UserRole

if TYPE_CHECKING:
    from core.models.flows import FlowLevel


class Company(Timestamps, Base):
    """A client company: the unit of tenancy."""

    __tablename__ = "companies"

    id: Mapped[str] = id_column()
    name: Mapped[str]
    domain: Mapped[str | None] = mapped_column(unique=True)
    logo: Mapped[str | None]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    primary_color: Mapped[str] = mapped_column(default="#3B82F6", server_default="#3B82F6")
    secondary_color: Mapped[str] = mapped_column(default="#1A1F2E", server_default="#1A1F2E")
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Beyond the seed: password sign-ins of the company's people need a TOTP code too."""

    users: Mapped[list[User]] = relationship(back_populates="company")
    departments: Mapped[list[Department]] = relationship(
        back_populates="company", cascade="all, delete-orphan", passive_deletes=True
    )
    roles: Mapped[list[Role]] = relationship(
        back_populates="company", cascade="all, delete-orphan", passive_deletes=True
    )


class User(Timestamps, Base):
    """A person who signs in: a platform developer or an employee of a company."""

    __tablename__ = "users"
    __table_args__ = (
        sa.Index("idx_users_email", "email"),
        sa.Index("idx_users_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(unique=True)
    password: Mapped[str]
    first_name: Mapped[str | None]
    last_name: Mapped[str | None]
    role: Mapped[UserRole] = enum_column(UserRole, UserRole.EMPLOYEE)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    avatar: Mapped[str | None]
    company_id: Mapped[str | None] = mapped_column(sa.ForeignKey("companies.id"))
    last_login: Mapped[datetime | None]

    company: Mapped[Company | None] = relationship(back_populates="users")
    roles: Mapped[list[Role]] = relationship(secondary="user_roles", back_populates="users")

    @property
    def role_ids(self) -> list[str]:
        """Ids of the company roles the user holds (needs `roles` loaded)."""
        return [role.id for role in self.roles]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email


class Department(TenantOwned, Timestamps, Base):
    """A node of a company's department tree (`parent` / `children`)."""

    __tablename__ = "departments"
    __table_args__ = (
        sa.Index("idx_departments_company", "company_id"),
        sa.Index("idx_departments_parent", "parent_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    parent_id: Mapped[str | None] = mapped_column(sa.ForeignKey("departments.id"))

    company: Mapped[Company] = relationship(back_populates="departments")
    parent: Mapped[Department | None] = relationship(
        back_populates="children", remote_side="Department.id"
    )
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    roles: Mapped[list[Role]] = relationship(back_populates="department")


flow_level_roles = sa.Table(
    "flow_level_roles",
    Base.metadata,
    sa.Column(
        "level_id",
        sa.String(36),
        sa.ForeignKey("flow_levels.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "role_id", sa.String(36), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("idx_flow_level_roles_role", "role_id"),
)
"""The seed's implicit many-to-many between FlowLevel and Role: who may act on a level."""


user_roles = sa.Table(
    "user_roles",
    Base.metadata,
    sa.Column(
        "user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "role_id", sa.String(36), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("idx_user_roles_role", "role_id"),
)
"""Which company roles a user holds. The seed links roles to flow levels but never to
users; approval inboxes and level permissions need the membership, so it lives here."""


class Role(TenantOwned, Timestamps, Base):
    """A company role (e.g. Manager) with permissions such as canApprove / canReject."""

    __tablename__ = "roles"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "name"),
        sa.Index("idx_roles_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    permissions: Mapped[dict[str, Any]] = json_column("{}")
    department_id: Mapped[str | None] = mapped_column(sa.ForeignKey("departments.id"))

    company: Mapped[Company] = relationship(back_populates="roles")
    department: Mapped[Department | None] = relationship(back_populates="roles")
    flow_levels: Mapped[list[FlowLevel]] = relationship(
        secondary=flow_level_roles, back_populates="roles"
    )
    users: Mapped[list[User]] = relationship(secondary=user_roles, back_populates="roles")
