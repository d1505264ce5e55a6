"""The seed's queries as endpoints, and the rule tester."""

from __future__ import annotations

from core.demo import load_demo
from core.models import Company, UserRole
from tests.world.app import auth_headers


async def test_active_flows_with_levels_in_order_and_their_tasks(client, sessions) -> None:
    async with sessions.begin() as session:
        company = await load_demo(session)
        from sqlalchemy import select

        from core.models import User

        admin = await session.scalar(select(User).where(User.email == "admin@acme.com"))
    flows = (await client.get("/flows/active", headers=auth_headers(admin))).json()["items"]
    assert [f["name"] for f in flows] == ["Expense Approval Workflow"]
    levels = flows[0]["levels"]
    assert [lvl["order"] for lvl in levels] == [1, 2, 3]
    assert levels[0]["tasks"][0]["taskName"] == "Expense Approval Form"
    assert isinstance(company, Company)


async def test_rule_tester_answers_result_and_trace(client, acme) -> None:
    headers = auth_headers(acme.users[UserRole.EMPLOYEE])
    body = {
        "rule": {
            "operator": "AND",
            "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
        },
        "data": {"Amount": 12000},
    }
    answer = await client.post("/rules/evaluate", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] is True
    assert answer.json()["trace"]["steps"]
    bad = await client.post(
        "/rules/evaluate", json={"rule": {"nope": [1]}, "data": {}}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "/"
