"""Definitions as code for a company: export its definitions as files, plan what applying
files would change, and apply them in the caller's transaction (all or nothing). Each checks
the builders' permissions of the kinds it reads and writes; every write is its area's own
use case, so every rule and audit row applies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.definitions.applying import carry_out
from core.definitions.bundle import Files, lay_out, read_items
from core.definitions.kinds import BY_KIND, KINDS
from core.definitions.kinds.automation import Integrations
from core.definitions.planning import Change, FieldChange, Plan, Step, make_plan
from core.definitions.state import Context, Item, Names
from core.errors import FieldProblem, ValidationFailed
from core.settings import Settings
from core.tenancy import company_of


async def export_definitions(
    session: AsyncSession, principal: Principal, settings: Settings
) -> Files:
    """Every definition of the principal's company as files (path -> document)."""
    ctx = await _context(session, principal, settings)
    _, files = await _company_items(ctx)
    return files


async def plan_definitions(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    files: Mapping[str, Any],
    *,
    delete: bool = False,
    secrets: Mapping[str, str] | None = None,
) -> Plan:
    """What applying `files` would do. The writes are tried and undone (a savepoint), so the
    plan lists every problem the apply would meet: ValidationFailed when there are any."""
    ctx, plan, problems = await _prepare(session, principal, settings, files, delete, secrets)
    trial = await session.begin_nested()
    try:
        problems += await carry_out(ctx, plan)
    finally:
        await trial.rollback()
    _refuse(problems)
    return plan


async def apply_definitions(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    files: Mapping[str, Any],
    *,
    delete: bool = False,
    secrets: Mapping[str, str] | None = None,
) -> Plan:
    """Make the company's definitions those of `files` (deleting those the files lack only
    with `delete`). Idempotent: files already applied change nothing. ValidationFailed lists
    every problem, at its path in the files, and the caller's transaction must then be
    rolled back (nothing is written)."""
    ctx, plan, problems = await _prepare(session, principal, settings, files, delete, secrets)
    if plan.empty and not problems:
        return plan
    _refuse(problems + await carry_out(ctx, plan))
    record_audit(
        session,
        principal,
        "definitions.applied",
        "Company",
        ctx.company_id,
        metadata=plan.summary(),
    )
    return plan


async def _context(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    secrets: Mapping[str, str] | None = None,
) -> Context:
    company_id = company_of(principal)
    for kind in KINDS:
        require(principal, kind.read)
    names = await Names.of_company(session, company_id)
    return Context(session, principal, company_id, settings, names, secrets or {})


async def _company_items(ctx: Context) -> tuple[list[Item], Files]:
    """The company's definitions as items and as files; ValidationFailed when two of them
    share a name (files name rows by their names, and could not tell them apart)."""
    items: list[Item] = []
    for kind in KINDS:
        items += await kind.export(ctx)
    problems = [
        FieldProblem(
            BY_KIND[kind].kind if kind in BY_KIND else kind,
            f"Two {entity} rows of the company are named {name!r}: rename one so that the "
            "files can tell them apart.",
            "ambiguous_name",
        )
        for kind, entity, name in _shared_names(ctx, items)
    ]
    if problems:
        raise ValidationFailed(problems, "The company's definitions cannot be written as files.")
    return lay_out(items)


def _shared_names(ctx: Context, items: list[Item]) -> list[tuple[str, str, str]]:
    shared = []
    entity_kinds = {kind.entity: kind.kind for kind in KINDS if kind.entity}
    for entity, names in sorted(ctx.names.twice.items()):
        if entity in entity_kinds:
            shared += [(entity_kinds[entity], entity, name) for name in sorted(names)]
    seen: set[tuple[str, str, str, str]] = set()
    for item in items:
        if item.key in seen:
            owner = f" of {item.owner[0][:-1]} {item.owner[1]!r}" if item.owner[0] else ""
            shared.append((item.kind, f"{BY_KIND[item.kind].label}{owner}", item.name))
        seen.add(item.key)
    return shared


async def _prepare(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    files: Mapping[str, Any],
    delete: bool,
    secrets: Mapping[str, str] | None,
) -> tuple[Context, Plan, list[FieldProblem]]:
    """The plan, and the problems of the files that cannot be read (their definitions are
    left out of it: the others' writes are still tried, for their problems to be listed,
    and nothing is deleted)."""
    desired, problems = read_items(files)
    ctx = await _context(session, principal, settings, secrets)
    current, _ = await _company_items(ctx)
    plan = make_plan(current, desired, delete=delete and not problems)
    await _with_secrets(ctx, plan, current, desired)
    for kind in {step.kind for step in plan.steps}:
        require(principal, kind.write)
    return ctx, plan, problems


async def _with_secrets(ctx: Context, plan: Plan, current: list[Item], desired: list[Item]) -> None:
    """Add to the plan the integrations' secrets that change (whose given value differs
    from the stored one) and notes on those that will have none; values are never shown."""
    integrations = BY_KIND["integrations"]
    assert isinstance(integrations, Integrations)
    now = {item.key: item for item in current}
    for item in desired:
        if item.kind != "integrations":
            continue
        before = now.get(item.key)
        keys, notes = await integrations.secret_changes(ctx, before, item)
        if not keys and not notes:
            continue
        secret_fields = tuple(
            FieldChange(
                f"/config/{key}",
                item.document["config"][key],
                item.document["config"][key],
                "new secret value",
            )
            for key in keys
        )
        index = next(
            (i for i, c in enumerate(plan.changes) if c.where == item.where and c.action != "keep"),
            None,
        )
        if index is None:
            if not keys:
                continue
            plan.changes.append(
                Change("change", integrations.label, item.name, item.where, fields=secret_fields)
            )
            plan.steps.append(Step("change", integrations, before, item, frozenset({"config"})))
            continue
        change = plan.changes[index]
        paths = {f.path for f in secret_fields}
        kept = tuple(f for f in change.fields if f.path not in paths)
        plan.changes[index] = dataclasses.replace(
            change, fields=kept + secret_fields, notes=change.notes + tuple(notes)
        )
        if keys:
            steps = [s for s in plan.steps if s.item is not None and s.item.key == item.key]
            for step in steps:
                position = plan.steps.index(step)
                plan.steps[position] = dataclasses.replace(step, changed=step.changed | {"config"})


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed(problems, "The definitions cannot be applied; nothing was written.")
