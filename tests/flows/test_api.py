"""The expense flow through HTTP: an admin defines and publishes it, an employee submits,
a manager and finance approve; errors come back as problem responses. Deleting a flow is
refused while an instance runs; the inbox follows the roles a user holds now."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import (
    AuditLog,
    Flow,
    FlowBranch,
    FlowInstance,
    FlowLevel,
    OutboxEvent,
    TaskExecution,
    user_roles,
)
from tests.world.flows import act, expense_flow, published
from tests.world.tenants import Tenant


async def test_an_expense_goes_from_employee_to_manager_to_finance_over_http(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)

    started = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    instance = started["id"]
    inbox = (await client.get("/inbox", headers=headers["employee"])).json()
    assert [(i["instanceId"], i["levelOrder"]) for i in inbox["items"]] == [(instance, 1)]
    submitted = await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}",
        {
            "data": {
                "Employee Name": "Eve",
                "Amount": 12000,
                "Category": "Travel",
                "Receipt": acme.files["receipt"],
            },
            "levelOrder": 1,
        },
    )
    assert submitted["levelClosed"] and submitted["instance"]["currentLevelOrder"] == 2

    [item] = (await client.get("/inbox", headers=headers["manager"])).json()["items"]
    assert (item["levelName"], item["tasks"][0]["name"], item["overdue"]) == (
        "Manager Review",
        "Expense Review",
        False,
    )
    review = {"data": {"Decision": "Approved", "Comments": "Fine"}, "levelOrder": 2}
    path = f"/flow-instances/{instance}/tasks/{acme.tasks['review']}"
    await act(client, headers, "manager", path, review)
    done = await act(client, headers, "finance", path, {**review, "levelOrder": 3})

    assert done["instance"]["status"] == "COMPLETED"
    history = (
        await client.get(f"/flow-instances/{instance}/history", headers=headers["employee"])
    ).json()["items"]
    assert [(h["kind"], h["actorName"]) for h in history if h["kind"] == "SUBMITTED"] == [
        ("SUBMITTED", "Employee"),
        ("SUBMITTED", "Manager"),
        ("SUBMITTED", "Finance"),
    ]
    listed = (
        await client.get(
            "/flow-instances",
            params={"status": "COMPLETED", "flowId": flow_id},
            headers=headers["admin"],
        )
    ).json()
    assert [i["id"] for i in listed["items"]] == [instance] and listed["total"] == 1
    async with sessions() as session:
        audit = list(
            await session.scalars(
                sa.select(AuditLog)
                .where(AuditLog.entity_id == instance)
                .order_by(AuditLog.timestamp)
            )
        )
    assert {a.action for a in audit} == {"flow_instance.started", "flow_instance.task_submitted"}
    changes = [a.changes for a in audit if a.action == "flow_instance.task_submitted"]
    assert [
        (c["before"].get("current_level_order"), c["after"].get("current_level_order"))
        for c in changes
    ] == [(1, 2), (2, 3), (None, None)]
    assert (changes[2]["before"]["status"], changes[2]["after"]["status"]) == (
        "IN_PROGRESS",
        "COMPLETED",
    )


async def test_a_small_expense_skips_finance_and_a_rejection_sends_it_back(
    client, headers, acme
) -> None:
    flow_id = await published(client, headers, acme)
    instance = (await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201))[
        "id"
    ]
    expense = f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}"
    data = {
        "Employee Name": "Eve",
        "Amount": 300,
        "Category": "Travel",
        "Receipt": acme.files["receipt"],
    }
    await act(client, headers, "employee", expense, {"data": data})

    rejected = await act(
        client, headers, "manager", f"/flow-instances/{instance}/reject", {"comment": "Which trip?"}
    )
    assert rejected["instance"]["currentLevelOrder"] == 1
    await act(client, headers, "employee", expense, {"data": {**data, "Category": "Equipment"}})
    review = f"/flow-instances/{instance}/tasks/{acme.tasks['review']}"
    done = await act(client, headers, "manager2", review, {"data": {"Decision": "Approved"}})

    assert done["instance"]["status"] == "COMPLETED"
    view = (await client.get(f"/flow-instances/{instance}", headers=headers["employee"])).json()
    assert view["status"] == "COMPLETED" and view["currentLevel"] is None
    assert view["contextData"]["Category"] == "Equipment"


async def test_an_instance_starts_with_data_and_an_admin_may_choose_who_acts_first(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    start = f"/flows/{flow_id}/instances"

    mine = await act(client, headers, "employee", start, {"data": {"Amount": 50}}, 201)
    assert mine["contextData"] == {"field_2": 50, "Amount": 50}
    chosen = await act(
        client,
        headers,
        "admin",
        start,
        {"data": {"Comments": "import"}, "assignTo": "Finance"},
        201,
    )
    [item] = (await client.get("/inbox", headers=headers["finance"])).json()["items"]
    assert (item["instanceId"], item["levelOrder"], item["source"]) == (
        chosen["id"],
        1,
        "ASSIGNED",
    )

    refused = await client.post(
        start, json={"data": "lots", "assignTo": ""}, headers=headers["admin"]
    )
    assert refused.status_code == 422, refused.text
    assert {e["path"] for e in refused.json()["errors"]} == {"/data", "/assignTo"}
    nobody = await client.post(start, json={"assignTo": "Astronauts"}, headers=headers["admin"])
    assert (nobody.status_code, nobody.json()["errors"][0]["path"]) == (422, "/assignTo")
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(FlowInstance)) == 2


async def test_start_data_is_checked_against_the_forms_it_fills(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    start = f"/flows/{flow_id}/instances"

    async def written() -> list[int | None]:
        async with sessions() as session:
            return [
                await session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (FlowInstance, OutboxEvent, AuditLog)
            ]

    before = await written()
    refused = await client.post(
        start,
        json={
            "data": {
                "Amount": -5,
                "field_3": "Boats",
                "Receipt": "no-such-file",
                "Decision": "Maybe",
                "Colour": "red",
                "Employee Name": "Eve",
            }
        },
        headers=headers["employee"],
    )

    assert refused.status_code == 422, refused.text
    assert {e["path"]: e["code"] for e in refused.json()["errors"]} == {
        "field_2": "below_minimum",
        "field_3": "not_an_option",
        "field_4": "not_found",
        "decision": "not_an_option",
        "Colour": "unknown_field",
    }
    assert await written() == before == [0, 0, 2]  # the flow's creation and publication
    # Valid values pre-fill the forms, stored as a submission's are: under id and label. A
    # required field left out (Receipt) is asked for when the level's task is submitted.
    started = await act(
        client,
        headers,
        "employee",
        start,
        {"data": {"Amount": 1250.5, "field_3": "Travel", "Employee Name": "Eve"}},
        201,
    )
    assert started["contextData"] == {
        "field_1": "Eve",
        "Employee Name": "Eve",
        "field_2": 1250.5,
        "Amount": 1250.5,
        "field_3": "Travel",
        "Category": "Travel",
    }


async def test_errors_are_problem_responses_with_stable_codes(client, headers, acme) -> None:
    flow_id = await published(client, headers, acme)
    instance = (await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201))[
        "id"
    ]
    review = f"/flow-instances/{instance}/tasks/{acme.tasks['review']}"

    cases = [
        ("manager", review, {"data": {"Decision": "Approved"}}, 409, "flow_task_not_on_level"),
        (
            "manager",
            f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}",
            {"data": {}},
            403,
            "flow_not_your_turn",
        ),
        (
            "employee",
            f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}",
            {"data": {"Amount": "a lot"}},
            422,
            "validation_failed",
        ),
        ("employee", review, {"data": {}, "levelOrder": 2}, 409, "flow_level_moved"),
        (
            "employee",
            f"/flows/{flow_id}/instances",
            {"assignTo": "Finance"},
            403,
            "permission_denied",
        ),
        ("colleague", f"/flow-instances/{instance}/cancel", {}, 403, "flow_missing_permission"),
        ("employee", "/flow-instances/nope/approve", {}, 404, "not_found"),
    ]
    for who, path, body, status, code in cases:
        response = await client.post(path, json=body, headers=headers[who])
        assert (response.status_code, response.json()["code"]) == (status, code), (
            path,
            response.text,
        )
        assert response.headers["content-type"].startswith("application/problem+json")

    hidden = await client.get(f"/flow-instances/{instance}", headers=headers["colleague"])
    assert hidden.status_code == 404
    await act(client, headers, "employee", f"/flow-instances/{instance}/cancel", {"reason": "typo"})
    closed = await client.post(
        f"/flow-instances/{instance}/cancel", json={}, headers=headers["admin"]
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "flow_instance_closed")


async def test_an_invalid_definition_lists_every_problem(client, headers, acme) -> None:
    body = expense_flow(acme)
    body["levels"][2]["order"] = 4
    body["levels"][1]["roles"] = ["Astronaut"]
    body["branches"][0]["conditions"]["rules"][0]["field"] = "Colour"

    response = await client.post("/flows", json=body, headers=headers["admin"])

    assert response.status_code == 422
    assert {e["path"]: e["code"] for e in response.json()["errors"]} == {
        "/levels/1/roles/0": "not_found"
    }
    body["levels"][1]["roles"] = ["Manager"]
    response = await client.post("/flows", json=body, headers=headers["admin"])
    assert {e["path"]: e["code"] for e in response.json()["errors"]} == {
        "/levels/2/order": "level_gap",
        "/branches/0/conditions/rules/0/field": "rule.unknown_field",
    }
    employee = await client.post("/flows", json=expense_flow(acme), headers=headers["employee"])
    assert employee.status_code == 403


async def test_a_manager_reassigns_and_an_admin_reads_the_definition(client, headers, acme) -> None:
    flow_id = await published(client, headers, acme)
    instance = (await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201))[
        "id"
    ]
    data = {
        "Employee Name": "Eve",
        "Amount": 5000,
        "Category": "Travel",
        "Receipt": acme.files["receipt"],
    }
    await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}",
        {"data": data},
    )

    await act(
        client,
        headers,
        "manager",
        f"/flow-instances/{instance}/reassign",
        {"toUserId": acme.users["colleague"].id, "comment": "Please cover"},
    )

    [item] = (await client.get("/inbox", headers=headers["colleague"])).json()["items"]
    assert item["source"] == "REASSIGNED"
    flow = (await client.get(f"/flows/{flow_id}", headers=headers["admin"])).json()
    assert flow["status"] == "PUBLISHED"
    assert [(lv["order"], [r["name"] for r in lv["roles"]]) for lv in flow["levels"]] == [
        (1, []),
        (2, ["Manager"]),
        (3, ["Finance"]),
    ]
    assert flow["branches"][0]["toLevel"] == "END"
    listed = (await client.get("/flows", headers=headers["employee"])).json()["items"]
    assert [f["id"] for f in listed] == [flow_id]


# Deleting a flow, and the inbox by the roles held now.


async def submitted_expense(client, headers, acme: Tenant, flow_id: str) -> dict:
    """An instance the employee started and submitted a small expense on."""
    started = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    data = {
        "Employee Name": "Eve",
        "Amount": 12,
        "Category": "Travel",
        "Receipt": acme.files["receipt"],
    }
    path = f"/flow-instances/{started['id']}/tasks/{acme.tasks['expense']}"
    await act(client, headers, "employee", path, {"data": data})
    return started


async def rows(sessions, model, *where) -> int:
    async with sessions() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def test_a_flow_with_a_running_instance_cannot_be_deleted(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)

    response = await client.delete(f"/flows/{flow_id}", headers=headers["admin"])

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "flow_in_use"
    assert await rows(sessions, Flow) == 1
    assert await rows(sessions, FlowLevel) == 3
    assert await rows(sessions, AuditLog, AuditLog.action == "flow.deleted") == 0


async def test_a_flow_that_ran_keeps_its_history_and_is_archived_instead_of_deleted(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    started = await submitted_expense(client, headers, acme, flow_id)
    await act(client, headers, "employee", f"/flow-instances/{started['id']}/cancel", {})

    response = await client.delete(f"/flows/{flow_id}", headers=headers["admin"])

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "flow_has_history"
    for model in (Flow, FlowInstance, TaskExecution):
        assert await rows(sessions, model) == 1, model
    assert await rows(sessions, FlowLevel) == 3

    assert (
        await client.post(f"/flows/{flow_id}/archive", headers=headers["employee"])
    ).status_code == 403
    archived = await client.post(f"/flows/{flow_id}/archive", headers=headers["admin"])
    assert archived.status_code == 200, archived.text
    assert archived.json()["status"] == "ARCHIVED"
    refused = await client.post(f"/flows/{flow_id}/instances", json={}, headers=headers["employee"])
    assert refused.status_code == 409, refused.text
    history = await client.get(f"/flow-instances/{started['id']}/history", headers=headers["admin"])
    assert history.status_code == 200 and history.json()["items"]
    async with sessions() as session:
        audit = await session.scalar(sa.select(AuditLog).where(AuditLog.action == "flow.archived"))
    assert (audit.changes["before"]["status"], audit.changes["after"]["status"]) == (
        "PUBLISHED",
        "ARCHIVED",
    )


async def test_a_flow_that_never_ran_is_deleted_with_its_levels_and_branches(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    assert (
        await client.delete(f"/flows/{flow_id}", headers=headers["employee"])
    ).status_code == 403

    response = await client.delete(f"/flows/{flow_id}", headers=headers["admin"])

    assert response.status_code == 204, response.text
    assert (await client.get(f"/flows/{flow_id}", headers=headers["admin"])).status_code == 404
    for model in (Flow, FlowLevel, FlowBranch):
        assert await rows(sessions, model) == 0, model
    async with sessions() as session:
        audit = await session.scalar(sa.select(AuditLog).where(AuditLog.action == "flow.deleted"))
    assert (
        audit.entity_id == flow_id
        and audit.changes["before"]["name"] == "Expense Approval Workflow"
    )
    assert audit.metadata_ == {"levels": 3, "branches": 1}
    assert (await client.delete(f"/flows/{flow_id}", headers=headers["admin"])).status_code == 404


async def test_the_inbox_shows_a_task_to_whoever_was_given_the_role_since(
    client, headers, acme, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    started = await submitted_expense(client, headers, acme, flow_id)
    async with sessions.begin() as session:
        await session.execute(
            sa.insert(user_roles).values(
                user_id=acme.users["colleague"].id, role_id=acme.roles["Manager"].id
            )
        )

    [item] = (await client.get("/inbox", headers=headers["colleague"])).json()["items"]

    assert (item["instanceId"], item["source"], item["assignmentId"]) == (
        started["id"],
        "ROLE",
        None,
    )
    seen = await client.get(f"/flow-instances/{started['id']}", headers=headers["colleague"])
    assert seen.status_code == 200
    review = {"data": {"Decision": "Approved"}, "levelOrder": 2}
    done = await act(
        client,
        headers,
        "colleague",
        f"/flow-instances/{started['id']}/tasks/{acme.tasks['review']}",
        review,
    )
    assert done["levelClosed"]


async def test_problems_inside_levels_and_branches_name_the_item(client, headers, acme) -> None:
    body = expense_flow(acme)
    body["levels"][2]["name"] = ""
    body["levels"][1]["roles"] = ["Manager", ""]
    body["branches"][0]["toLevel"] = "nowhere"

    response = await client.post("/flows", json=body, headers=headers["admin"])

    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {
        "/levels/2/name",
        "/levels/1/roles/1",
        "/branches/0/toLevel",
    }
    listed = await client.get("/flows", headers=headers["admin"])
    assert listed.json()["total"] == 0
