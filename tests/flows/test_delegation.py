"""Out of office: a manager names a colleague for a period; the expense that reaches the
manager's level meanwhile is asked of the colleague, who decides it, and the history says so."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.models import AuditLog, utcnow
from core.models.flow_runs import Delegation
from tests.world.flows import act, expense_submission, published


def _period(start_days: float, end_days: float) -> dict[str, str]:
    now = utcnow()
    return {
        "startsAt": (now + timedelta(days=start_days)).isoformat(),
        "endsAt": (now + timedelta(days=end_days)).isoformat(),
    }


async def _submitted(client, headers, acme, flow_id: str) -> str:
    started = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{started['id']}/tasks/{acme.tasks['expense']}",
        {"data": expense_submission(acme, 12000), "levelOrder": 1},
    )
    return started["id"]


async def test_work_reaching_an_absent_manager_goes_to_the_delegate(client, headers, acme) -> None:
    flow_id = await published(client, headers, acme)
    away = {"delegateId": acme.users["colleague"].id, **_period(-1, 7)}
    answer = await client.put("/me/delegation", json=away, headers=headers["manager"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is True
    assert (await client.get("/me/delegation", headers=headers["manager"])).json()[
        "delegateId"
    ] == acme.users["colleague"].id

    instance = await _submitted(client, headers, acme, flow_id)

    [item] = (await client.get("/inbox", headers=headers["colleague"])).json()["items"]
    assert (item["instanceId"], item["levelName"]) == (instance, "Manager Review")
    decided = await act(
        client,
        headers,
        "colleague",
        f"/flow-instances/{instance}/tasks/{acme.tasks['review']}",
        {"data": {"Decision": "Approved"}, "levelOrder": 2},
    )
    assert decided["instance"]["currentLevelOrder"] == 3

    history = (
        await client.get(f"/flow-instances/{instance}/history", headers=headers["admin"])
    ).json()
    entries = history["items"] if isinstance(history, dict) else history
    delegated = [e for e in entries if e["kind"] == "DELEGATED"]
    assert len(delegated) == 1
    assert delegated[0]["actorId"] == acme.users["manager"].id
    assert delegated[0]["details"]["delegateId"] == acme.users["colleague"].id


async def test_a_delegation_for_later_changes_nothing_yet_and_can_be_ended(
    client, headers, acme
) -> None:
    flow_id = await published(client, headers, acme)
    later = {"delegateId": acme.users["colleague"].id, **_period(3, 7)}
    answer = await client.put("/me/delegation", json=later, headers=headers["manager"])
    assert answer.json()["active"] is False
    await _submitted(client, headers, acme, flow_id)
    assert (await client.get("/inbox", headers=headers["colleague"])).json()["items"] == []
    assert len((await client.get("/inbox", headers=headers["manager"])).json()["items"]) == 1

    assert (await client.delete("/me/delegation", headers=headers["manager"])).status_code == 204
    assert (await client.get("/me/delegation", headers=headers["manager"])).status_code == 404


async def test_bad_delegations_are_refused_with_every_problem_and_nothing_written(
    client, headers, acme, sessions
) -> None:
    bad = {"delegateId": acme.users["manager"].id, **_period(2, 1)}
    answer = await client.put("/me/delegation", json=bad, headers=headers["manager"])
    assert answer.status_code == 422, answer.text
    fields = {p["path"] for p in answer.json()["errors"]}
    assert {"/delegateId", "/endsAt"} <= fields

    unknown = {"delegateId": "00000000-0000-0000-0000-000000000000", **_period(0, 1)}
    answer = await client.put("/me/delegation", json=unknown, headers=headers["manager"])
    assert answer.status_code == 422

    naive = {
        "delegateId": acme.users["colleague"].id,
        "startsAt": "2030-01-01T00:00:00",
        "endsAt": "2030-01-02T00:00:00",
    }
    answer = await client.put("/me/delegation", json=naive, headers=headers["manager"])
    assert answer.status_code in (400, 422), answer.text
    async with sessions() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Delegation))) == 0
        assert not (
            await session.scalars(
                sa.select(AuditLog).where(AuditLog.action.like("user.delegation%"))
            )
        ).all()
