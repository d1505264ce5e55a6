"""Companies and their people, built one way for every test area: a user of each platform
role, named people holding company roles, the company's roles and a department."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.auth.passwords import hash_password_bcrypt
from core.database import transaction
from core.models import Company, Department, OutboxEvent, Role, User, UserRole
from tests.world.app import auth_headers

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

PASSWORD = "correct horse battery"
APPROVER = {"canApprove": True, "canReject": True, "canReassign": True}
EVERY_ROLE = tuple(UserRole)
DEFAULT_ROLES: Mapping[str, dict[str, bool]] = {"Approver": {"canApprove": True}}


@dataclass(frozen=True)
class Person:
    """Someone named in a company: their platform role and the company roles they hold.
    `email` may name the company by `{company}` (its id's first eight characters)."""

    name: str
    role: UserRole = UserRole.EMPLOYEE
    roles: tuple[str, ...] = ()
    email: str = "{name}@{company}.example"
    first_name: str | None = None
    last_name: str | None = None
    active: bool = True


@dataclass
class Tenant:
    """A company and what a test needs of it: its users (the platform-role users keyed by
    their role, named people by name), roles by name, and the tasks, files and custom-table
    records an area's fixture added, by name."""

    sessions: Sessions
    company: Company
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    department: Department | None = None
    tasks: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)

    @property
    def company_id(self) -> str:
        return self.company.id

    @property
    def admin(self) -> Principal:
        """The company's admin acting (every table permission)."""
        user = self.users.get(UserRole.ADMIN) or self.users["admin"]
        return Principal(user_id=user.id, role=UserRole.ADMIN, company_id=self.company_id)

    def headers(self, who: str = UserRole.ADMIN, *, in_company: bool = False) -> dict[str, str]:
        """`who` signed in (acting in this company, with `in_company`)."""
        return auth_headers(self.users[who], self.company if in_company else None)

    async def run(self, fn: Callable[..., Awaitable[T]], /, **kw: Any) -> T:
        """Call a service function in its own committed transaction, as a request would (by
        the company's admin, when the function takes who acts and the test names nobody)."""
        if "principal" in inspect.signature(fn).parameters:
            kw.setdefault("principal", self.admin)
        async with transaction(self.sessions, company_id=self.company_id) as s:
            return await fn(s, company_id=self.company_id, **kw)

    async def events(self) -> list[OutboxEvent]:
        async with transaction(self.sessions, company_id=self.company_id) as s:
            return list(await s.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.created_at)))


async def make_tenant(
    sessions: Sessions,
    name: str,
    *,
    role_users: Iterable[UserRole] = EVERY_ROLE,
    people: Iterable[Person] = (),
    roles: Mapping[str, dict[str, bool]] = DEFAULT_ROLES,
    department: str | None = "Finance",
    domain: str | None = "{slug}.test",
) -> Tenant:
    """Company `name` with a user of each of `role_users` (`admin@acme.test`, password
    PASSWORD), `people`, the company `roles` and a `department`."""
    slug = name.lower()
    async with transaction(sessions) as session:
        company = Company(name=name, domain=domain.format(slug=slug) if domain else None)
        session.add(company)
        await session.flush()
        tenant = Tenant(sessions, company)
        tenant.roles = {
            role: Role(name=role, company_id=company.id, permissions=permissions)
            for role, permissions in roles.items()
        }
        session.add_all(tenant.roles.values())
        role_users = list(role_users)
        hashed = hash_password_bcrypt(PASSWORD, rounds=4) if role_users else ""
        for role in role_users:
            user = User(
                email=f"{role.value.lower()}@{slug}.test",
                password=hashed,
                role=role,
                first_name=role.value.title(),
                last_name=name,
                company_id=company.id,
            )
            session.add(user)
            tenant.users[role] = user
        await session.flush()
        for person in people:
            tenant.users[person.name] = await add_user(
                session,
                company.id,
                person.name,
                [tenant.roles[r] for r in person.roles],
                person.role,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                active=person.active,
            )
        if department is not None:
            tenant.department = Department(name=department, company_id=company.id)
            session.add(tenant.department)
    return tenant


async def add_user(
    session: AsyncSession,
    company_id: str,
    name: str,
    roles: list[Role] | None = None,
    role: UserRole = UserRole.EMPLOYEE,
    *,
    email: str = "{name}@{company}.example",
    first_name: str | None = None,
    last_name: str | None = None,
    active: bool = True,
) -> User:
    """One more person in a company (no usable password)."""
    user = User(
        email=email.format(name=name, company=company_id[:8]),
        password="x",
        first_name=first_name or name.capitalize(),
        last_name=last_name,
        is_active=active,
        role=role,
        company_id=company_id,
        roles=roles or [],
    )
    session.add(user)
    await session.flush()
    return user


async def client_companies(sessions: Sessions, n: int) -> list[str]:
    """`n` companies with nothing in them (a developer's clients); their ids."""
    async with transaction(sessions) as session:
        companies = [Company(name=f"Client {i}") for i in range(n)]
        session.add_all(companies)
        await session.flush()
        return [c.id for c in companies]


async def empty_company(sessions: Sessions, name: str) -> Tenant:
    """Company `name` with nobody and nothing in it (what a benchmark fills itself)."""
    return await make_tenant(sessions, name, role_users=(), roles={}, department=None, domain=None)
