"""A form used on its own: an employee submits a task outside any flow over HTTP; it is
validated as a flow step is (every offending field listed, nothing written), stored, announced
with TASK_COMPLETED and audited; each person reads back their own submissions, an admin
everyone's; a draft or archived task takes none."""

from __future__ import annotations

import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.demo import REVIEW_FIELDS
from core.models import (
    AuditLog,
    EventType,
    OutboxEvent,
    Task,
    TaskExecution,
    TaskStatus,
    UserRole,
    VersionStatus,
)
from core.versions import change_status, publish_version
from tests.world.flows import act, published
from tests.world.tenants import Tenant, add_user


async def counts(sessions) -> tuple[int, int, int]:
    async with sessions() as session:
        return tuple(  # type: ignore[return-value]
            [
                await session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (TaskExecution, OutboxEvent, AuditLog)
            ]
        )


async def test_an_employee_submits_a_form_on_its_own(
    client, headers, acme: Tenant, sessions
) -> None:
    submit = f"/tasks/{acme.tasks['expense']}/executions"
    expense = {
        "Employee Name": "Eve",
        "Amount": 12000,
        "Category": "Travel",
        "Receipt": acme.files["receipt"],
    }

    refused = await client.post(
        submit, json={"data": {"Amount": -5, "Colour": "red"}}, headers=headers["employee"]
    )
    assert refused.status_code == 422, refused.text
    assert {e["path"]: e["code"] for e in refused.json()["errors"]} == {
        "Colour": "unknown_field",
        "field_1": "required",
        "field_2": "below_minimum",
        "field_3": "required",
        "field_4": "required",
    }
    assert await counts(sessions) == (0, 0, 0)

    submitted = await act(client, headers, "employee", submit, {"data": expense}, 201)

    assert {k: submitted[k] for k in ("taskId", "taskName", "executorId", "status")} == {
        "taskId": acme.tasks["expense"],
        "taskName": "Expense Approval Form",
        "executorId": acme.users["employee"].id,
        "status": "COMPLETED",
    }
    assert submitted["data"] == {
        "field_1": "Eve",
        "field_2": 12000,
        "field_3": "Travel",
        "field_4": acme.files["receipt"],
    }
    async with sessions() as session:
        stored = await session.get(TaskExecution, submitted["id"])
        [event] = await session.scalars(sa.select(OutboxEvent))
        [audit] = await session.scalars(sa.select(AuditLog))
    assert stored is not None and stored.flow_instance_id is None and stored.level_id is None
    assert (event.event_type, event.task_id) == (EventType.TASK_COMPLETED, acme.tasks["expense"])
    assert {k: event.payload[k] for k in ("executionId", "instanceId", "data")} == {
        "executionId": submitted["id"],
        "instanceId": None,
        "data": submitted["data"],
    }
    assert (audit.action, audit.entity, audit.entity_id, audit.user_id) == (
        "task.submitted",
        "TaskExecution",
        submitted["id"],
        acme.users["employee"].id,
    )


async def test_each_person_reads_their_own_submissions_and_an_admin_everyones(
    client, headers, acme: Tenant
) -> None:
    expense = {
        "Employee Name": "Eve",
        "Amount": 50,
        "Category": "Travel",
        "Receipt": acme.files["receipt"],
    }
    mine = await act(
        client,
        headers,
        "employee",
        f"/tasks/{acme.tasks['expense']}/executions",
        {"data": expense},
        201,
    )
    theirs = await act(
        client,
        headers,
        "colleague",
        f"/tasks/{acme.tasks['review']}/executions",
        {"data": {"Decision": "Approved"}},
        201,
    )
    # A flow step's submission is the instance's, not a standalone one.
    flow_id = await published(client, headers, acme)
    instance = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{instance['id']}/tasks/{acme.tasks['expense']}",
        {"data": expense},
    )

    async def listed(who: str, query: str = "") -> list[str]:
        response = await client.get(f"/task-executions{query}", headers=headers[who])
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed("employee") == [mine["id"]]
    assert await listed("colleague") == [theirs["id"]]
    assert await listed("admin") == [theirs["id"], mine["id"]]
    assert await listed("admin", f"?taskId={acme.tasks['review']}") == [theirs["id"]]
    assert await listed("admin", f"?executorId={acme.users['employee'].id}") == [mine["id"]]
    assert await listed("manager") == []

    own = await client.get(f"/task-executions/{mine['id']}", headers=headers["employee"])
    assert (own.status_code, own.json()["executorName"]) == (200, "Employee")
    other = await client.get(f"/task-executions/{mine['id']}", headers=headers["colleague"])
    assert other.status_code == 404
    admin = await client.get(f"/task-executions/{theirs['id']}", headers=headers["admin"])
    assert admin.json()["data"] == {"decision": "Approved"}


async def test_a_draft_is_tried_by_its_builders_only_and_an_archived_task_takes_none(
    client, headers, acme: Tenant, sessions
) -> None:
    submit = f"/tasks/{acme.tasks['review']}/executions"
    body = {"data": {"Decision": "Approved"}}
    async with transaction(sessions) as session:
        (await session.get(Task, acme.tasks["review"])).status = TaskStatus.DRAFT  # type: ignore[union-attr]
    refused = await client.post(submit, json=body, headers=headers["employee"])
    assert (refused.status_code, refused.json()["code"]) == (409, "task_not_submittable")
    await act(client, headers, "admin", submit, body, 201)

    async with transaction(sessions) as session:
        (await session.get(Task, acme.tasks["review"])).status = TaskStatus.ARCHIVED  # type: ignore[union-attr]
    for who in ("employee", "admin"):
        refused = await client.post(submit, json=body, headers=headers[who])
        assert (refused.status_code, refused.json()["code"]) == (409, "task_not_submittable")
    missing = await client.post("/tasks/nope/executions", json=body, headers=headers["employee"])
    assert missing.status_code == 404


async def test_the_form_says_what_a_submission_is_checked_against(
    client, headers, acme: Tenant
) -> None:
    response = await client.get(f"/tasks/{acme.tasks['expense']}/form", headers=headers["employee"])

    assert response.status_code == 200, response.text
    form = response.json()
    assert (form["taskId"], form["version"], form["versionId"]) == (
        acme.tasks["expense"],
        None,
        None,
    )
    assert [(f["id"], f["label"], f["required"]) for f in form["form"]["fields"]] == [
        ("field_1", "Employee Name", True),
        ("field_2", "Amount", True),
        ("field_3", "Category", True),
        ("field_4", "Receipt", True),
    ]
    assert form["form"]["fields"][1]["validation"]["min"] == 0


async def test_a_released_task_is_submitted_against_its_release_not_its_edited_row(
    client, headers, acme: Tenant, sessions
) -> None:
    async with transaction(sessions) as session:
        developer = await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER)
    dev = Principal(developer.id, UserRole.DEVELOPER, None)
    async with transaction(sessions) as session:
        version = await publish_version(
            session, dev, entity_type="Task", entity_id=acme.tasks["review"]
        )
        await change_status(session, dev, version.id, VersionStatus.STABLE)
    # The admin then edits the row: a new required field, not released.
    fields = [*REVIEW_FIELDS, {"id": "cost", "type": "number", "label": "Cost", "required": True}]
    edited = await client.patch(
        f"/tasks/{acme.tasks['review']}", json={"fields": fields}, headers=headers["admin"]
    )
    assert edited.status_code == 200, edited.text

    form = (
        await client.get(f"/tasks/{acme.tasks['review']}/form", headers=headers["employee"])
    ).json()
    assert (form["version"], form["versionId"]) == ("1.0.0", version.id)
    assert [f["id"] for f in form["form"]["fields"]] == ["decision", "comments"]
    submitted = await act(
        client,
        headers,
        "employee",
        f"/tasks/{acme.tasks['review']}/executions",
        {"data": {"Decision": "Approved"}},
        201,
    )
    assert submitted["data"] == {"decision": "Approved"}
    async with sessions() as session:
        event = await session.scalar(
            sa.select(OutboxEvent).where(OutboxEvent.event_type == EventType.TASK_COMPLETED)
        )
    assert event is not None and event.payload["version"] == "1.0.0"
