"""Publishing a task: proposed versions, the changelog of a set of edits, immutability of
snapshots and restoring a version into a draft."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.errors import ValidationFailed
from core.models import AuditLog, Task, TaskStatus
from core.versions import NothingToPublish, preview_version, publish_version, restore_version
from tests.world.versions import platform


async def edit_task(sessions, task_id: str, change) -> None:
    async with transaction(sessions) as session:
        task = await session.get(Task, task_id)
        fields = copy.deepcopy(task.fields)
        change(task, fields)
        task.fields = fields


async def publish(sessions, developer, task_id: str, **kw):
    return await platform(
        sessions,
        publish_version,
        principal=developer,
        entity_type="Task",
        entity_id=task_id,
        **kw,
    )


async def test_the_changelog_of_a_set_of_edits_proposes_the_bump(sessions, acme, developer) -> None:
    task = acme.tasks["expense"]
    first = await publish(sessions, developer, task)
    assert (first.version, first.change_log[0]["change"]) == ("1.0.0", "added")

    def add_optional_and_relabel(row, fields):
        fields.append({"id": "field_9", "type": "text", "label": "Notes", "required": False})
        fields[0]["label"] = "Employee full name"

    await edit_task(sessions, task, add_optional_and_relabel)
    minor = await publish(sessions, developer, task)
    assert minor.version == "1.1.0"
    assert sorted((e["kind"], e["change"], e["key"], e["impact"]) for e in minor.change_log) == [
        ("field", "added", "field_9", "minor"),
        ("field", "changed", "field_1", "patch"),
    ]
    assert minor.changes == "1 field added, 1 field changed."

    await edit_task(sessions, task, lambda row, fields: fields[0].update(label="Employee"))
    assert (await publish(sessions, developer, task)).version == "1.1.1"

    def remove_category_and_rename(row, fields):
        del fields[2]
        row.name = "Expense Claim"

    await edit_task(sessions, task, remove_category_and_rename)
    preview = await platform(sessions, preview_version, entity_type="Task", entity_id=task)
    assert preview["proposedVersion"] == "2.0.0"
    assert {(e["kind"], e["change"], e["impact"]) for e in preview["changeLog"]} == {
        ("field", "removed", "major"),
        ("property", "changed", "patch"),
    }
    with pytest.raises(ValidationFailed) as lower:
        await publish(sessions, developer, task, version="1.2.0")
    assert lower.value.problems[0].code == "version_too_low"
    major = await publish(sessions, developer, task, version="3.0.0", changes="Category goes")
    assert (major.version, major.changes) == ("3.0.0", "Category goes")

    async with transaction(sessions) as session:
        actions = list(
            await session.scalars(sa.select(AuditLog.action).where(AuditLog.entity == "Version"))
        )
    assert actions.count("version.created") == 4


async def test_an_unchanged_entity_has_nothing_to_publish(sessions, acme, developer) -> None:
    await publish(sessions, developer, acme.tasks["expense"])
    with pytest.raises(NothingToPublish):
        await publish(sessions, developer, acme.tasks["expense"])


async def test_a_version_restores_exactly_into_a_draft(sessions, acme, developer) -> None:
    task = acme.tasks["expense"]
    first = await publish(sessions, developer, task)
    frozen = copy.deepcopy(first.snapshot)

    def rework(row, fields):
        fields.pop()
        fields[0]["label"] = "Who"
        row.logic = {"hide": ["field_3"]}

    await edit_task(sessions, task, rework)
    second = await publish(sessions, developer, task)
    assert second.version == "2.0.0"

    await platform(sessions, restore_version, principal=developer, version_id=first.id)
    async with transaction(sessions) as session:
        row = await session.get(Task, task)
        assert row.status is TaskStatus.DRAFT
        assert (row.fields, row.logic, row.name) == (
            frozen["fields"],
            frozen["attributes"]["logic"],
            frozen["name"],
        )
        stored = await session.get(type(first), first.id)
        assert stored.snapshot == frozen  # the version itself never changed
    third = await publish(sessions, developer, task)
    assert third.version == "3.0.0"  # restoring re-adds a required field: major again
