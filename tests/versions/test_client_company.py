"""A flow built in one company runs in another over HTTP: a developer builds the expense flow
in company A, publishes it and pins it to company B; B's employee starts it and B's own
approvers finish it, with no id of A in anything B reads or stores; company C, not rolled
out, cannot see or run it."""

from __future__ import annotations

import json

import sqlalchemy as sa

from core.database import transaction
from core.models import Company, File, Role, Task, TaskExecution, User, UserRole
from tests.world.app import auth_headers
from tests.world.flows import expense_flow
from tests.world.tenants import APPROVER, Tenant, add_user


async def company_with_approvers(sessions, name: str) -> tuple[str, dict[str, User], str]:
    """A company with its own Manager and Finance roles, people in them, and a receipt."""
    async with transaction(sessions) as session:
        company = Company(name=name)
        session.add(company)
        await session.flush()
        manager = Role(company_id=company.id, name="Manager", permissions=APPROVER)
        finance = Role(company_id=company.id, name="Finance", permissions=APPROVER)
        session.add_all([manager, finance])
        await session.flush()
        users = {
            "admin": await add_user(session, company.id, "admin", role=UserRole.ADMIN),
            "employee": await add_user(session, company.id, "employee"),
            "manager": await add_user(session, company.id, "manager", [manager], UserRole.MANAGER),
            "finance": await add_user(session, company.id, "finance", [finance], UserRole.MANAGER),
        }
        receipt = File(
            company_id=company.id,
            filename="b.pdf",
            original_name="receipt.pdf",
            mimetype="application/pdf",
            size=10,
            path="b.pdf",
            uploaded_by=users["employee"].id,
        )
        session.add(receipt)
        await session.flush()
        return company.id, users, receipt.id


async def test_a_flow_built_in_a_runs_in_b_with_bs_people_and_not_in_c(
    client, sessions, acme: Tenant
) -> None:
    async with transaction(sessions) as session:
        developer = await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER)
        a_manager = await session.get(User, acme.users["manager"].id)
    b_id, b, b_receipt = await company_with_approvers(sessions, "Beta")
    c_id, c, _ = await company_with_approvers(sessions, "Gamma")
    dev = auth_headers(developer, acme.company_id)

    async def call(method: str, path: str, headers: dict, status: int, **kw) -> dict | list:
        response = await client.request(method, path, headers=headers, **kw)
        assert response.status_code == status, response.text
        return response.json()

    # The developer builds and publishes the flow in A, releases 1.0.0 and pins it to B.
    flow_id = (await call("POST", "/flows", dev, 201, json=expense_flow(acme)))["id"]
    await call("POST", f"/flows/{flow_id}/publish", dev, 200)
    a_flow = await call("GET", f"/flows/{flow_id}", dev, 200)
    version = await call(
        "POST", "/versions", dev, 201, json={"entityType": "Flow", "entityId": flow_id}
    )
    await call(
        "PUT", f"/versions/{version['id']}/rollout", dev, 200, json={"deployedToClients": [b_id]}
    )
    installed = await call(
        "POST", f"/versions/{version['id']}/installs", dev, 201, json={"companyId": b_id}
    )  # already installed by the pin: the same install again
    refused = await call(
        "POST", f"/versions/{version['id']}/installs", dev, 409, json={"companyId": c_id}
    )
    assert refused["code"] == "not_rolled_out"
    resolved = await call(
        "GET",
        "/versions/resolve",
        dev,
        200,
        params={"entityType": "Flow", "entityId": flow_id, "companyId": b_id},
    )
    assert (resolved["reason"], resolved["version"]["version"]) == ("pinned", "1.0.0")

    # B knows the flow by its own id; its employee starts it and B's approvers finish it.
    employee = auth_headers(b["employee"])
    [listed] = (await call("GET", "/flows", employee, 200))["items"]
    local_flow = installed["localId"]
    assert listed["id"] == local_flow != flow_id
    seen: list[object] = []  # everything B reads, to look for A's ids in it

    started = await call("POST", f"/flows/{local_flow}/instances", employee, 201, json={})
    instance = started["id"]
    [item] = (await call("GET", "/inbox", employee, 200))["items"]
    [expense_task] = item["tasks"]
    submitted = await call(
        "POST",
        f"/flow-instances/{instance}/tasks/{expense_task['id']}",
        employee,
        200,
        json={
            "data": {
                "Employee Name": "Bea",
                "Amount": 12000,
                "Category": "Travel",
                "Receipt": b_receipt,
            }
        },
    )
    assert submitted["instance"]["currentLevelOrder"] == 2
    assert (await call("GET", "/inbox", auth_headers(a_manager), 200))["items"] == []
    manager = auth_headers(b["manager"])
    [review_item] = (await call("GET", "/inbox", manager, 200))["items"]
    seen.append(review_item)
    [review_task] = review_item["tasks"]
    review = f"/flow-instances/{instance}/tasks/{review_task['id']}"
    await call("POST", review, manager, 200, json={"data": {"Decision": "Approved"}})
    done = await call(
        "POST", review, auth_headers(b["finance"]), 200, json={"data": {"Decision": "Approved"}}
    )
    assert done["instance"]["status"] == "COMPLETED"
    history = (await call("GET", f"/flow-instances/{instance}/history", employee, 200))["items"]
    assert [h["actorName"] for h in history if h["kind"] == "SUBMITTED"] == [
        "Employee",
        "Manager",
        "Finance",
    ]
    seen += [started, submitted, done, history]
    seen.append(await call("GET", f"/flow-instances/{instance}", employee, 200))

    a_ids = {
        flow_id,
        acme.tasks["expense"],
        acme.tasks["review"],
        *(role.id for role in acme.roles.values()),
        *(user.id for user in acme.users.values()),
    }
    a_ids |= {level["id"] for level in a_flow["levels"]}
    b_text = json.dumps(seen)
    assert [i for i in a_ids if i in b_text] == []
    async with sessions() as session:
        foreign = await session.scalar(
            sa.select(sa.func.count())
            .select_from(TaskExecution)
            .join(Task, Task.id == TaskExecution.task_id)
            .where(TaskExecution.company_id == b_id, Task.company_id != b_id)
        )
        stored = await session.execute(
            sa.text("select snapshot::text from flow_definitions where company_id = :c"),
            {"c": b_id},
        )
    assert foreign == 0
    assert [i for i in a_ids if any(i in row[0] for row in stored)] == []

    # C was not rolled out: nothing to list, and neither A's nor B's flow can be started there.
    c_employee = auth_headers(c["employee"])
    assert (await call("GET", "/flows", c_employee, 200))["items"] == []
    for other in (flow_id, local_flow):
        await call("POST", f"/flows/{other}/instances", c_employee, 404, json={})
