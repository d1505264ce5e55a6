"""An instance names the definition it runs on and the release that definition came from,
and the definition can be read: the levels, tasks and fields its steps are validated
against, as a client renders a step's form from them."""

from __future__ import annotations

from core.database import transaction
from core.models import UserRole
from tests.world.app import auth_headers
from tests.world.flows import act, expense_submission, published
from tests.world.tenants import Tenant, add_user


async def test_an_instance_names_its_definition_and_the_release_it_runs(
    client, headers, acme: Tenant, sessions
) -> None:
    flow_id = await published(client, headers, acme)
    before_release = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    definition_id = before_release["definitionId"]
    assert definition_id is not None and before_release["version"] is None

    # A developer releases the flow as 1.0.0 and makes it the company's stable version.
    async with transaction(sessions) as session:
        developer = auth_headers(
            await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER),
            acme.company_id,
        )
    release = await client.post(
        "/versions", json={"entityType": "Flow", "entityId": flow_id}, headers=developer
    )
    assert release.status_code == 201, release.text
    stable = await client.post(
        f"/versions/{release.json()['id']}/status", json={"status": "STABLE"}, headers=developer
    )
    assert stable.json()["status"] == "STABLE", stable.text
    released = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    assert released["version"] == "1.0.0"
    assert released["definitionId"] not in (None, definition_id)

    # Every instance response says it: one instance, the list, and an action's answer.
    for instance, version in ((before_release, None), (released, "1.0.0")):
        read = await client.get(f"/flow-instances/{instance['id']}", headers=headers["admin"])
        assert (read.json()["definitionId"], read.json()["version"]) == (
            instance["definitionId"],
            version,
        )
    listed = (await client.get("/flow-instances", headers=headers["admin"])).json()["items"]
    assert {(i["id"], i["definitionId"], i["version"]) for i in listed} == {
        (before_release["id"], definition_id, None),
        (released["id"], released["definitionId"], "1.0.0"),
    }
    submitted = await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{released['id']}/tasks/{acme.tasks['expense']}",
        {"data": expense_submission(acme, 12000)},
    )
    assert submitted["instance"]["version"] == "1.0.0"

    frozen = await client.get(
        f"/flow-definitions/{released['definitionId']}", headers=headers["employee"]
    )
    assert frozen.status_code == 200, frozen.text
    assert (frozen.json()["version"], frozen.json()["versionId"]) == (
        "1.0.0",
        release.json()["id"],
    )
    unreleased = await client.get(f"/flow-definitions/{definition_id}", headers=headers["employee"])
    assert (unreleased.json()["version"], unreleased.json()["versionId"]) == (None, None)
    missing = await client.get("/flow-definitions/nope", headers=headers["employee"])
    assert missing.status_code == 404


async def test_a_definition_holds_every_form_as_its_steps_are_validated(
    client, headers, acme: Tenant
) -> None:
    flow_id = await published(client, headers, acme)
    started = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)

    response = await client.get(
        f"/flow-definitions/{started['definitionId']}", headers=headers["employee"]
    )

    assert response.status_code == 200, response.text
    definition = response.json()
    assert (definition["flowId"], definition["flowName"]) == (flow_id, "Expense Approval Workflow")
    assert [(lv["order"], lv["name"]) for lv in definition["levels"]] == [
        (1, "Employee Submission"),
        (2, "Manager Review"),
        (3, "Finance Approval"),
    ]
    submission, review, finance = definition["levels"]
    [expense] = submission["tasks"]
    assert (expense["id"], expense["name"]) == (acme.tasks["expense"], "Expense Approval Form")
    amount = next(f for f in expense["fields"] if f["id"] == "field_2")
    assert amount == {
        "id": "field_2",
        "type": "number",
        "label": "Amount",
        "kind": "number",
        "required": True,
        "placeholder": None,
        "description": None,
        "helpText": None,
        "defaultValue": None,
        "options": [],
        "validation": {
            "minLength": None,
            "maxLength": None,
            "min": 0,
            "max": None,
            "pattern": None,
        },
        "settings": {"step": None},
    }
    category = next(f for f in expense["fields"] if f["id"] == "field_3")
    assert category["options"] == [
        {"value": "Travel", "label": "Travel"},
        {"value": "Office Supplies", "label": "Office Supplies"},
        {"value": "Equipment", "label": "Equipment"},
    ]
    assert [(f["id"], f["type"], f["kind"]) for f in expense["fields"]] == [
        ("field_1", "text", "string"),
        ("field_2", "number", "number"),
        ("field_3", "dropdown", "string"),
        ("field_4", "file", "string"),
    ]
    assert (expense["logic"], expense["validations"]) == ({"fields": {}}, [])
    assert submission["roles"] == [] and review["roles"] == [
        {"id": acme.roles["Manager"].id, "name": "Manager"}
    ]
    assert {k: review[k] for k in ("completion", "deadlineHours", "onReject", "decision")} == {
        "completion": {"mode": "any", "count": 1},
        "deadlineHours": 48,
        "onReject": {"action": "sendBack", "sendBackTo": 1},
        "decision": {"fieldId": "decision", "rejectValues": ["Rejected"]},
    }
    assert review["onDeadline"] == {"action": "notify", "userId": None}
    assert finance["onReject"] == {"action": "fail", "sendBackTo": None}
    [branch] = definition["branches"]
    assert {k: branch[k] for k in ("name", "fromLevel", "toLevel", "priority")} == {
        "name": "Small expenses skip finance",
        "fromLevel": 2,
        "toLevel": "END",
        "priority": 0,
    }
    assert branch["rule"] == {"and": [{"<": [{"var": "field_2"}, 1000]}]}

    # What the definition says is what a step is checked against: the minimum of 0.
    refused = await client.post(
        f"/flow-instances/{started['id']}/tasks/{acme.tasks['expense']}",
        json={"data": expense_submission(acme, -5)},
        headers=headers["employee"],
    )
    assert refused.status_code == 422
    assert [(e["path"], e["code"]) for e in refused.json()["errors"]] == [
        ("field_2", "below_minimum")
    ]


async def test_flows_and_tasks_no_longer_show_the_seed_version_column(
    client, headers, acme: Tenant
) -> None:
    flow_id = await published(client, headers, acme)
    flow = (await client.get(f"/flows/{flow_id}", headers=headers["admin"])).json()
    task = (await client.get(f"/tasks/{acme.tasks['expense']}", headers=headers["admin"])).json()
    active = (await client.get("/flows/active", headers=headers["admin"])).json()
    assert "version" not in flow and "version" not in task
    assert all("version" not in f for f in active)
    publish = await client.post(f"/flows/{flow_id}/publish", headers=headers["admin"])
    assert (publish.json()["version"], publish.json()["levels"][0]["name"]) == (
        None,
        "Employee Submission",
    )
