"""Rules of the organisation: a department tree without cycles, roles of the company."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.audit import record_audit, snapshot
from core.errors import Conflict, FieldProblem, ValidationFailed
from core.models import Base, Company, Department, Role


@dataclass(slots=True)
class DepartmentNode:
    id: str
    name: str
    children: list[DepartmentNode] = field(default_factory=list)


async def ensure_no_cycle(
    session: AsyncSession, department_id: str, new_parent_id: str | None
) -> None:
    """Refuse to move a department under itself or one of its descendants."""
    parent = new_parent_id
    seen: set[str] = set()
    while parent is not None and parent not in seen:
        if parent == department_id:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "/parentId",
                        "A department cannot be moved under itself or its own sub-department.",
                        "cycle",
                    )
                ]
            )
        seen.add(parent)
        parent = await session.scalar(
            sa.select(Department.parent_id).where(Department.id == parent)
        )


async def department_tree(
    session: AsyncSession, root_id: str | None = None
) -> list[DepartmentNode]:
    """The company's departments as a forest (or the subtree under `root_id`), one query."""
    rows = (
        await session.execute(
            sa.select(Department.id, Department.name, Department.parent_id).order_by(
                Department.name
            )
        )
    ).all()
    nodes = {r.id: DepartmentNode(r.id, r.name) for r in rows}
    roots: list[DepartmentNode] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id else None
        (parent.children if parent else roots).append(nodes[r.id])
    if root_id is not None:
        return nodes[root_id].children if root_id in nodes else []
    return roots


async def resolve_roles(
    session: AsyncSession, role_ids: list[str], path: str = "/roleIds"
) -> list[Role]:
    """The company's roles with these ids; every unknown id is reported."""
    if not role_ids:
        return []
    found = {r.id: r for r in await session.scalars(sa.select(Role).where(Role.id.in_(role_ids)))}
    missing = [
        FieldProblem(f"{path}/{i}", f"No Role {rid}.", "not_found")
        for i, rid in enumerate(role_ids)
        if rid not in found
    ]
    if missing:
        raise ValidationFailed(missing)
    return [found[rid] for rid in dict.fromkeys(role_ids)]


class CompanyHasData(Conflict):
    code = "company_has_data"


# Rows that go with their company and do not keep it alive: its own audit trail.
_NOT_DATA = frozenset({"audit_logs"})


async def delete_company(session: AsyncSession, principal: Principal, company: Company) -> None:
    """Delete a company that holds nothing: one created by mistake. A company with users or
    any data is refused (409): deleting it would take every record, flow and execution with
    it for good, which no one expects of a click. Deactivating it (`isActive: false`) is how
    a tenant is closed: its users can no longer sign in or use their tokens, and its data
    stays. The deletion is audited at platform level, since the company's own trail goes
    with it."""
    used = await _tables_with_rows(session, company.id)
    if used:
        raise CompanyHasData(
            f"Company {company.name!r} still has data ({', '.join(used)}); deactivate it "
            "instead (isActive: false), which stops its users signing in and keeps its data.",
            tables=used,
        )
    before = snapshot(company)
    await session.delete(company)
    await session.flush()
    record_audit(
        session,
        replace(principal, company_id=None),
        "company.deleted",
        "Company",
        company.id,
        before=before,
    )


async def _tables_with_rows(session: AsyncSession, company_id: str) -> list[str]:
    """The tables holding rows of the company, in one statement."""
    checks = [
        sa.select(sa.literal(table.name).label("name")).where(
            sa.exists().where(table.c.company_id == company_id)
        )
        for table in Base.metadata.sorted_tables
        if "company_id" in table.c and table.name not in _NOT_DATA
    ]
    return sorted((await session.execute(sa.union_all(*checks))).scalars())
