"""A changed file gives the plan one would expect (key by key), and applying it changes
exactly that; deleting happens only when asked; bad files are refused with every problem at
its path and nothing written."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.definitions import apply_definitions, export_definitions, plan_definitions
from core.errors import ValidationFailed
from core.models import AuditLog, Flow, Task, Trigger
from core.settings import Settings
from tests.world.definitions import SECRETS, Seeded
from tests.world.tenants import Sessions, Tenant

FLOW = "flows/expense-approval-workflow.yaml"
TASK = "tasks/expense-approval-form.yaml"


async def files_of(sessions: Sessions, seeded: Seeded) -> dict:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        return await export_definitions(session, seeded.admin, seeded.settings)


async def audit_actions(sessions: Sessions, company_id: str) -> list[str]:
    async with transaction(sessions) as session:
        rows = await session.scalars(
            sa.select(AuditLog.action)
            .where(AuditLog.company_id == company_id)
            .order_by(AuditLog.timestamp, AuditLog.action)
        )
        return list(rows)


async def test_a_changed_file_plans_key_by_key_and_applying_changes_exactly_that(
    sessions: Sessions, seeded: Seeded, settings: Settings
) -> None:
    files = await files_of(sessions, seeded)
    changed = copy.deepcopy(files)
    changed[FLOW]["levels"][1]["config"]["deadlineHours"] = 24
    changed[FLOW]["levels"][2]["name"] = "Finance Sign-off"
    alert = changed[TASK]["triggers"]["High-Value Alert"]
    alert["conditions"]["rules"][0]["value"] = 5000
    async with transaction(sessions, company_id=seeded.company.id) as session:
        plan = await plan_definitions(session, seeded.admin, settings, changed, secrets=SECRETS)
    assert [(c.action, c.kind, c.name, c.where) for c in plan.changes] == [
        ("change", "flow", "Expense Approval Workflow", f"{FLOW}#"),
        ("change", "trigger", "High-Value Alert", f"{TASK}#/triggers/High-Value Alert"),
    ]
    flow, trigger = plan.changes
    assert [(f.path, f.before, f.after) for f in flow.fields] == [
        ("/levels/1/config/deadlineHours", 48, 24),
        ("/levels/2/name", "Finance Approval", "Finance Sign-off"),
    ]
    assert [(f.path, f.before, f.after) for f in trigger.fields] == [
        ("/conditions/rules/0/value", 10000, 5000)
    ]
    before = await audit_actions(sessions, seeded.company.id)
    async with transaction(sessions) as session:
        untouched = {t.name: t.updated_at for t in await session.scalars(sa.select(Task))}
    async with transaction(sessions, company_id=seeded.company.id) as session:
        applied = await apply_definitions(session, seeded.admin, settings, changed, secrets=SECRETS)
    assert applied.summary() == {"created": 0, "changed": 2, "deleted": 0, "kept": 0}
    written = (await audit_actions(sessions, seeded.company.id))[len(before) :]
    assert sorted(written) == sorted(
        ["flow.updated", "flow.published", "trigger.updated", "definitions.applied"]
    )
    assert await files_of(sessions, seeded) == changed
    async with transaction(sessions) as session:
        assert {t.name: t.updated_at for t in await session.scalars(sa.select(Task))} == untouched
        published = await session.scalar(sa.select(Flow).where(Flow.name.like("Expense%")))
        assert published.status.value == "PUBLISHED"


async def test_applying_the_same_files_again_writes_nothing(
    sessions: Sessions, seeded: Seeded, settings: Settings
) -> None:
    files = await files_of(sessions, seeded)
    before = await audit_actions(sessions, seeded.company.id)
    async with transaction(sessions, company_id=seeded.company.id) as session:
        plan = await apply_definitions(session, seeded.admin, settings, files, secrets=SECRETS)
    assert plan.empty and plan.changes == []
    assert await audit_actions(sessions, seeded.company.id) == before


async def test_definitions_the_files_lack_are_deleted_only_when_asked(
    sessions: Sessions, seeded: Seeded, settings: Settings
) -> None:
    files = await files_of(sessions, seeded)
    fewer = copy.deepcopy(files)
    del fewer["triggers/weekly-expense-digest.yaml"]
    del fewer[TASK]["triggers"]["High-Value Alert"]
    async with transaction(sessions, company_id=seeded.company.id) as session:
        kept = await apply_definitions(session, seeded.admin, settings, fewer, secrets=SECRETS)
    assert kept.empty
    assert sorted((c.action, c.name) for c in kept.changes) == [
        ("keep", "High-Value Alert"),
        ("keep", "Weekly expense digest"),
    ]
    async with transaction(sessions, company_id=seeded.company.id) as session:
        deleted = await apply_definitions(
            session, seeded.admin, settings, fewer, delete=True, secrets=SECRETS
        )
    assert sorted((c.action, c.name) for c in deleted.changes) == [
        ("delete", "High-Value Alert"),
        ("delete", "Weekly expense digest"),
    ]
    async with transaction(sessions) as session:
        names = set(await session.scalars(sa.select(Trigger.name)))
    assert names == {"New line names its vendor", "Purchase done"}


async def test_bad_files_are_refused_with_every_problem_at_its_path_and_nothing_written(
    sessions: Sessions, seeded: Seeded, empty: Tenant, settings: Settings
) -> None:
    files = copy.deepcopy(await files_of(sessions, seeded))
    files[TASK]["fields"][1]["type"] = "no-such-type"
    files["tasks/expense-review.yaml"]["colour"] = "red"
    files["tasks/expense-review.yaml"]["status"] = "SHIPPED"
    files[FLOW]["levels"][0]["tasks"] = ["Expense Approval Form", "Missing Form"]
    files["datasets/travel-policy.yaml"]["visibility"]["roles"] = ["Manager", "Auditor"]
    files["triggers/weekly-expense-digest.yaml"]["actions"][0]["config"]["flowId"] = "Gone"
    files["tables/no-folder.txt"] = {}
    files["reports/x.yaml"] = {"name": "x"}
    with pytest.raises(ValidationFailed) as refused:
        async with transaction(sessions, company_id=empty.company_id) as session:
            await apply_definitions(session, empty.admin, settings, files, secrets=SECRETS)
    problems = {(p.path, p.code) for p in refused.value.problems}
    assert {
        ("tasks/expense-review.yaml#/colour", "unknown_field"),
        ("tasks/expense-review.yaml#/status", "invalid"),
        ("tables/no-folder.txt", "unknown_folder"),
        ("reports/x.yaml", "unknown_folder"),
        (f"{FLOW}#/levels/0/tasks/1", "not_found"),
        ("datasets/travel-policy.yaml#/visibility/roles/1", "not_found"),
        (f"{TASK}#/fields/1/type", "unknown_type"),
        ("triggers/weekly-expense-digest.yaml#/actions/0/config/flowId", "unknown"),
    } <= problems, "\n".join(f"{p.path} {p.code} {p.message}" for p in refused.value.problems)
    assert await audit_actions(sessions, empty.company_id) == []
    async with transaction(sessions, company_id=empty.company_id) as session:
        assert await export_definitions(session, empty.admin, settings) == {}
