"""Rules of the organisation: a department tree without cycles, roles of the company."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.models import Department, Role


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
