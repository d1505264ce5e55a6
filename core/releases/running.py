"""What a company runs from the version it sees: a flow's definition (the snapshot with the
company's own ids: its flow, its installed tasks, its roles of the same name), and the
version whose content a table's records and a dataset's readers follow."""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Department, EntityInstall, Role, Version
from core.releases.errors import NotRolledOut
from core.releases.installs import derived_id, local_ids, sync_install
from core.releases.resolution import resolve_version, resolve_with_source, versions_of


async def flow_definition_for(
    session: AsyncSession, version: Version, *, company_id: str, flow_id: str
) -> dict[str, Any]:
    """The version's flow definition as company `company_id` runs it under its flow
    `flow_id`, naming the version it came from. The company that built the flow keeps its
    ids; a client company gets its installed tasks, its roles of the same name, and level
    and branch ids of its own, so no id of the building company enters its rows."""
    definition = copy.deepcopy(version.snapshot["definition"])
    definition["flow"].update(id=flow_id, version=version.version, versionId=version.id)
    if version.snapshot.get("companyId") == company_id:
        return definition
    task_ids = [t["id"] for level in definition["levels"] for t in level["tasks"]]
    tasks = await local_ids(session, company_id, "Task", task_ids)
    if set(task_ids) - set(tasks):
        # A version published before the install was brought up to date: add its headers.
        install = await session.scalar(
            sa.select(EntityInstall).where(
                EntityInstall.company_id == company_id,
                EntityInstall.entity_type == "Flow",
                EntityInstall.local_id == flow_id,
            )
        )
        if install is None:
            raise NotRolledOut(f"Flow {flow_id} is not installed in company {company_id}.")
        await sync_install(session, install, await versions_of(session, "Flow", version.entity_id))
        tasks = await local_ids(session, company_id, "Task", task_ids)
    names = {r["name"] for level in definition["levels"] for r in level["roles"]}
    roles = {
        row.name: row.id
        for row in await session.execute(
            sa.select(Role.name, Role.id).where(Role.company_id == company_id, Role.name.in_(names))
        )
    }
    for level in definition["levels"]:
        level["id"] = derived_id(company_id, level["id"])
        for task in level["tasks"]:
            task["id"] = tasks[task["id"]]
        level["roles"] = [
            {"id": roles[r["name"]], "name": r["name"]}
            for r in level["roles"]
            if r["name"] in roles
        ]
    for branch in definition["branches"]:
        branch["id"] = derived_id(company_id, branch["id"])
    return definition


async def released_flow_definition(session: AsyncSession, flow: Any) -> dict[str, Any] | None:
    """The definition a new instance of `flow` runs on in its company when that company sees
    a version of it; None when no version reaches it and the flow is the company's own (its
    rows apply). An installed flow that no version reaches any more is refused."""
    source, seen = await resolve_with_source(
        session, entity_type="Flow", entity_id=flow.id, company_id=flow.company_id
    )
    if seen is None:
        if source != flow.id:
            raise NotRolledOut(f"No version of flow {flow.name!r} reaches this company.")
        return None
    return await flow_definition_for(
        session, seen.version, company_id=flow.company_id, flow_id=flow.id
    )


async def released_version(
    session: AsyncSession, *, entity_type: str, entity_id: str, company_id: str
) -> Version | None:
    """The version of a table or dataset (by the company's id of it) whose content the
    company works with; None when no version reaches it (its own row applies)."""
    seen = await resolve_version(
        session, entity_type=entity_type, entity_id=entity_id, company_id=company_id
    )
    return None if seen is None else seen.version


async def released_visibility(
    session: AsyncSession, version: Version, company_id: str
) -> dict[str, list[str]] | None:
    """A dataset version's visibility in `company_id`: the building company's own ids; in a
    client, its roles and departments of the same names. None when the version names no
    one (the whole company reads it)."""
    visibility = version.snapshot.get("attributes", {}).get("visibility") or {}
    if not any(visibility.get(key) for key in ("roles", "departments")):
        return None
    if version.snapshot.get("companyId") == company_id:
        return {key: list(visibility.get(key) or []) for key in ("roles", "departments")}
    names = version.snapshot.get("visibilityNames") or {}
    found: dict[str, list[str]] = {}
    for key, model in (("roles", Role), ("departments", Department)):
        wanted = names.get(key) or []
        found[key] = (
            sorted(
                await session.scalars(
                    sa.select(model.id).where(
                        model.company_id == company_id, model.name.in_(wanted)
                    )
                )
            )
            if wanted
            else []
        )
    return found  # maybe empty lists: a client without those roles lets only builders read
