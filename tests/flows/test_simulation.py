"""Simulating a flow over HTTP: sample form data per level in, the path an instance would take
out (which branch holds at each level, with its condition's explanation tree), decided by the
server's engine and rules with nothing written; bad samples are a problem naming each one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.models import (
    AuditLog,
    FlowDefinition,
    FlowInstance,
    OutboxEvent,
    TaskExecution,
    UserRole,
)
from tests.world.app import auth_headers
from tests.world.flows import expense_flow


async def _created(client, headers, acme) -> str:
    response = await client.post("/flows", json=expense_flow(acme), headers=headers["admin"])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _rows(sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__name__: int(await session.scalar(sa.select(sa.func.count()).select_from(model)))
            for model in (AuditLog, FlowDefinition, FlowInstance, OutboxEvent, TaskExecution)
        }


async def _simulate(client, headers, flow_id: str, levels: list[dict[str, Any]]) -> Any:
    return await client.post(
        f"/flows/{flow_id}/simulate", json={"levels": levels}, headers=headers["admin"]
    )


async def test_a_small_expense_skips_finance_and_nothing_is_written(
    client, headers, acme, sessions
) -> None:
    flow_id = await _created(client, headers, acme)
    before = await _rows(sessions)

    response = await _simulate(
        client,
        headers,
        flow_id,
        [
            {"order": 1, "data": {"Employee Name": "Eve", "Amount": 500, "Category": "Travel"}},
            {"order": 2, "data": {"Decision": "Approved"}},
        ],
    )

    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["outcome"], out["path"]) == ("completed", [1, 2])
    first, manager = out["levels"]
    assert (first["outcome"], first["nextLevel"], first["branches"]) == ("next", 2, [])
    assert first["data"]["Amount"] == 500 and first["data"]["field_2"] == 500
    assert manager["completion"] == {"mode": "any"} and manager["roles"] == ["Manager"]
    assert manager["decision"] == {"field": "decision", "value": "Approved", "rejects": False}
    [branch] = manager["branches"]
    assert (branch["index"], branch["name"], branch["holds"], branch["taken"]) == (
        0,
        "Small expenses skip finance",
        True,
        True,
    )
    assert (manager["outcome"], manager["nextLevel"], branch["toLevel"]) == ("end", None, None)
    [tree] = branch["explanation"]
    assert tree["op"] == "and" and tree["result"] is True
    assert [(c["op"], c["args"], c["result"]) for c in tree["children"]] == [
        ("<", [500, 1000], True)
    ]
    assert await _rows(sessions) == before


async def test_a_large_expense_goes_to_finance_and_a_rejection_is_sent_back(
    client, headers, acme
) -> None:
    flow_id = await _created(client, headers, acme)

    large = await _simulate(
        client,
        headers,
        flow_id,
        [{"order": 1, "data": {"Amount": 5000}}, {"order": 2, "data": {"Decision": "Approved"}}],
    )
    assert large.json()["path"] == [1, 2, 3] and large.json()["outcome"] == "completed"
    [branch] = large.json()["levels"][1]["branches"]
    assert (branch["holds"], branch["taken"]) == (False, False)
    assert branch["explanation"][0]["children"][0]["args"] == [5000, 1000]

    # The manager rejects: the level sends back to 1, and with the same data the manager
    # would reject again for ever.
    rejected = await _simulate(
        client,
        headers,
        flow_id,
        [{"order": 1, "data": {"Amount": 5000}}, {"order": 2, "data": {"Decision": "Rejected"}}],
    )
    out = rejected.json()
    assert (out["outcome"], out["path"]) == ("loops", [1, 2, 1])
    assert [(lv["order"], lv["outcome"], lv["nextLevel"]) for lv in out["levels"]] == [
        (1, "next", 2),
        (2, "send_back", 1),
        (1, "next", 2),
        (2, "loop", None),
    ]


async def test_samples_that_do_not_fit_are_a_problem_naming_each_one(
    client, headers, acme, sessions
) -> None:
    flow_id = await _created(client, headers, acme)
    before = await _rows(sessions)

    response = await _simulate(
        client,
        headers,
        flow_id,
        [
            {"order": 1, "data": {"Amount": "lots", "Colour": "red"}},
            {"order": 7, "data": {}},
            {"order": 2, "data": {"Decision": "Maybe"}},
        ],
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["path"]: e["code"] for e in response.json()["errors"]} == {
        "/levels/0/data/Amount": "invalid_type",
        "/levels/0/data/Colour": "unknown_field",
        "/levels/1/order": "unknown",
        "/levels/2/data/Decision": "not_an_option",
    }
    malformed = await client.post(
        f"/flows/{flow_id}/simulate",
        json={"levels": [{"order": 0, "data": []}]},
        headers=headers["admin"],
    )
    assert malformed.status_code == 422
    assert {e["path"] for e in malformed.json()["errors"]} == {
        "/levels/0/order",
        "/levels/0/data",
    }
    assert await _rows(sessions) == before


async def test_another_companys_flow_is_not_found(client, headers, acme, globex) -> None:
    flow_id = await _created(client, headers, acme)
    response = await client.post(
        f"/flows/{flow_id}/simulate",
        json={"levels": []},
        headers=auth_headers(globex.users[UserRole.ADMIN]),
    )
    assert response.status_code == 404
