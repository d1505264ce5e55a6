"""Approve and reject by link: a signed link from an e-mail opens a page that says what it
would do; confirming it acts once, as the signed-in user, with that user's permissions."""

from __future__ import annotations

from datetime import timedelta

from core.flows.link_tokens import links_for_step, make_link_token
from core.models import utcnow
from tests.world.app import SECRET
from tests.world.flows import act, expense_submission, published

PUBLIC = "https://erp.example"


def _token(link: str) -> str:
    assert link.startswith(f"{PUBLIC}/action-links/")
    return link.rsplit("/", 1)[1]


async def _at_manager_review(client, headers, acme) -> str:
    flow_id = await published(client, headers, acme)
    started = await act(client, headers, "employee", f"/flows/{flow_id}/instances", {}, 201)
    await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{started['id']}/tasks/{acme.tasks['expense']}",
        {"data": expense_submission(acme, 12000), "levelOrder": 1},
    )
    return started["id"]


def _links(acme, instance: str, step: int, level: int) -> dict[str, str]:
    made = links_for_step(
        SECRET, PUBLIC, company_id=acme.company_id, instance_id=instance, step=step, level=level
    )
    return {name: _token(link) for name, link in made.items()}


async def test_a_manager_approves_from_the_link_once(client, headers, acme) -> None:
    instance = await _at_manager_review(client, headers, acme)
    links = _links(acme, instance, step=2, level=2)

    page = await client.get(f"/action-links/{links['approve_link']}")  # no sign-in needed
    assert page.status_code == 200, page.text
    shown = page.json()
    assert (shown["action"], shown["instanceId"], shown["levelName"], shown["usedAt"]) == (
        "approve",
        instance,
        "Manager Review",
        None,
    )
    assert shown["taskName"] == "Expense Review"

    # Someone who is not asked to act cannot use it, and a bare visit changed nothing.
    refused = await client.post(
        f"/action-links/{links['approve_link']}/confirm", json={}, headers=headers["employee"]
    )
    assert refused.status_code == 403, refused.text
    state = (await client.get(f"/flow-instances/{instance}", headers=headers["admin"])).json()
    assert state["currentLevelOrder"] == 2

    done = await act(
        client,
        headers,
        "manager",
        f"/action-links/{links['approve_link']}/confirm",
        {"comment": "Fine by me"},
    )
    assert done["levelClosed"] and done["instance"]["currentLevelOrder"] == 3
    assert done["instance"]["contextData"]["Decision"] == "Approved"
    assert done["instance"]["contextData"]["Comments"] == "Fine by me"

    again = await client.post(
        f"/action-links/{links['reject_link']}/confirm", json={}, headers=headers["manager2"]
    )
    assert again.status_code == 409 and again.json()["code"] == "action_link_spent"
    spent = (await client.get(f"/action-links/{links['approve_link']}")).json()
    assert spent["usedAt"] is not None

    history = (
        await client.get(f"/flow-instances/{instance}/history", headers=headers["admin"])
    ).json()
    entries = history["items"] if isinstance(history, dict) else history
    assert any(entry.get("actorId") == acme.users["manager"].id for entry in entries), entries


async def test_finance_rejects_from_the_link_and_the_expense_fails(client, headers, acme) -> None:
    instance = await _at_manager_review(client, headers, acme)
    await act(
        client,
        headers,
        "manager",
        f"/action-links/{_links(acme, instance, 2, 2)['approve_link']}/confirm",
        {},
    )
    reject = _links(acme, instance, step=3, level=3)["reject_link"]
    done = await act(
        client, headers, "finance", f"/action-links/{reject}/confirm", {"reason": "No receipt"}
    )
    assert done["instance"]["status"] == "FAILED"


async def test_altered_expired_and_foreign_links_are_refused(
    client, headers, acme, sessions
) -> None:
    instance = await _at_manager_review(client, headers, acme)
    good = _links(acme, instance, 2, 2)["approve_link"]
    altered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert (await client.get(f"/action-links/{altered}")).status_code == 404

    expired = make_link_token(
        SECRET,
        company_id=acme.company_id,
        instance_id=instance,
        step_number=2,
        level_order=2,
        action="approve",
        now=utcnow() - timedelta(days=8),
    )
    answer = await client.get(f"/action-links/{expired}")
    assert answer.status_code == 410 and answer.json()["code"] == "action_link_expired"

    # A link is no access token, nor the other way round.
    access = headers["manager"]["Authorization"].removeprefix("Bearer ")
    assert (await client.get(f"/action-links/{access}")).status_code == 404
    as_bearer = await client.get("/inbox", headers={"Authorization": f"Bearer {good}"})
    assert as_bearer.status_code == 401

    # A link that was sent before a send-back does not act on the level's next visit.
    await act(
        client,
        headers,
        "manager",
        f"/action-links/{_links(acme, instance, 2, 2)['reject_link']}/confirm",
        {"comment": "Which trip?"},
    )
    await act(
        client,
        headers,
        "employee",
        f"/flow-instances/{instance}/tasks/{acme.tasks['expense']}",
        {"data": expense_submission(acme, 12000), "levelOrder": 1},
    )
    stale = await client.post(f"/action-links/{good}/confirm", json={}, headers=headers["manager"])
    assert stale.status_code == 409, stale.text
