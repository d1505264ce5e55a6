"""Acting on a step beside other people, in the browser: a manager hands the step to a
overseer with a comment; a page that went stale (someone approved first) says so instead of
failing; and an instance cancelled or rejected for good leaves the open inboxes and instance
pages at once, from the live stream, without a reload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from core.demo import DEMO_PASSWORD
from tests.web.steps import at_level, history_of, submitted_expense, timeline
from tests.world.browser import People, Server, serious_violations, shoot

SIGN_OFF = "Purchase sign-off"


async def second_manager(server: Server) -> dict[str, Any]:
    """Martha, a manager holding the Manager role beside Mark (made once per server)."""
    found = await server.api("GET", "/users?email=martha%40acme.com", "admin@acme.com")
    if found["items"]:
        return dict(found["items"][0])
    roles = await server.api("GET", "/roles?limit=200", "admin@acme.com")
    manager_role = next(r for r in roles["items"] if r["name"] == "Manager")
    return dict(
        await server.api(
            "POST",
            "/users",
            "admin@acme.com",
            json={
                "email": "martha@acme.com",
                "password": DEMO_PASSWORD,
                "firstName": "Martha",
                "lastName": "Manager",
                "role": "MANAGER",
                "roleIds": [manager_role["id"]],
            },
        )
    )


async def sign_off_request(server: Server) -> str:
    """An instance of a one-level flow the Manager role approves with a button (no form),
    started by the employee; its id."""
    flows = await server.api("GET", "/flows/active", "employee@acme.com")
    flow = next((f for f in flows["items"] if f["name"] == SIGN_OFF), None)
    if flow is None:
        flow = await server.api(
            "POST",
            "/flows",
            "admin@acme.com",
            json={
                "name": SIGN_OFF,
                "levels": [{"order": 1, "name": "Manager sign-off", "roles": ["Manager"]}],
            },
        )
        await server.api("POST", f"/flows/{flow['id']}/publish", "admin@acme.com", json={})
    instance = await server.api(
        "POST", f"/flows/{flow['id']}/instances", "employee@acme.com", json={}
    )
    return str(instance["id"])


async def live(page: Page) -> None:
    """The page's event stream is connected (what follows is not a poll's doing: while the
    stream is up, no page polls)."""
    await expect(page.locator("[data-live=on]")).to_be_attached()
    await page.evaluate("() => { window.notReloaded = true }")


async def not_reloaded(page: Page) -> bool:
    return bool(await page.evaluate("() => window.notReloaded === true"))


async def test_a_manager_hands_the_step_to_a_overseer_with_a_comment(
    people: People, server: Server, tmp_path: Path
) -> None:
    instance = await submitted_expense(server, tmp_path)
    finance = await people.signed_in("finance@acme.com", "/inbox")
    await live(finance)
    row = finance.locator(f'a[href="/instances/{instance}"]')
    await expect(row).to_have_count(0)  # not hers: level 2 is the managers'

    manager = await people.signed_in("manager@acme.com", f"/instances/{instance}")
    await expect(manager.get_by_role("heading", name="Your turn")).to_be_visible()
    await manager.get_by_role("button", name="Reassign").click()
    dialog = manager.get_by_role("dialog", name="Reassign")
    target = dialog.get_by_role("combobox", name="Give the task to")
    await target.or_(dialog.get_by_role("textbox", name="Give the task to")).first.click()
    # Mark himself is not offered: he is the one handing it on.
    await expect(dialog.get_by_role("option", name="Mark Manager")).to_have_count(0)
    await dialog.get_by_role("option", name="Fiona Finance").click()
    await dialog.get_by_role("textbox", name="Comment").fill("Fiona knows this supplier")
    assert await serious_violations(manager) == []
    await shoot(manager, "instance-reassign-dialog")
    await dialog.get_by_role("button", name="Reassign").click()
    await expect(dialog).to_be_hidden()

    # Mark's page: no longer his turn, waiting on Fiona, and the history says who and why.
    await expect(manager.get_by_role("heading", name="Waiting at Manager Review")).to_be_visible()
    await expect(manager.get_by_text("Waiting on Fiona Finance")).to_be_visible()
    history = timeline(manager)
    await expect(history).to_contain_text("Mark Manager reassigned the task to Fiona Finance")
    await expect(history).to_contain_text("“Fiona knows this supplier”")
    await shoot(manager, "instance-reassigned")

    # Fiona's inbox receives it while she looks at it.
    await expect(row).to_be_visible(timeout=8_000)
    assert await not_reloaded(finance)
    await row.click()
    await expect(finance.get_by_role("heading", name="Your turn")).to_be_visible()
    entries = await history_of(server, instance)
    handed = next(h for h in entries if h["kind"] == "REASSIGNED")
    users = await server.api("GET", "/users?email=finance%40acme.com", "admin@acme.com")
    assert handed["details"]["to"] == users["items"][0]["id"]
    assert handed["actorName"] == "Mark Manager"
    assert handed["comment"] == "Fiona knows this supplier"


async def test_a_stale_page_says_someone_approved_first(people: People, server: Server) -> None:
    await second_manager(server)
    instance = await sign_off_request(server)

    # Mark's page goes stale: nothing it reads reaches it any more (a phone on a weak
    # network: no live stream, no poll gets through), while what it sends still does.
    mark = await people.signed_in("manager@acme.com", f"/instances/{instance}")
    await expect(mark.get_by_role("heading", name="Your turn")).to_be_visible()

    async def reads_lost(route: Any) -> None:
        if route.request.method == "GET":
            await route.abort()
        else:
            await route.continue_()

    await mark.route(re.compile(r"/(stream|flow-instances/|inbox)"), reads_lost)

    martha = await people.signed_in("martha@acme.com", f"/instances/{instance}")
    await martha.get_by_role("button", name="Approve").click()
    await martha.get_by_role("dialog", name="Approve").get_by_role("button", name="Approve").click()
    await expect(martha.get_by_text("Completed", exact=True)).to_be_visible()
    await at_level(server, instance, 1, status="COMPLETED")

    # Mark still sees his turn, and approves: the page says what happened, nothing fails.
    await expect(mark.get_by_role("heading", name="Your turn")).to_be_visible()
    await mark.get_by_role("button", name="Approve").click()
    approve = mark.get_by_role("dialog", name="Approve")
    await approve.get_by_role("textbox", name="Comment").fill("Fine by me")
    await approve.get_by_role("button", name="Approve").click()
    notice = mark.get_by_role("alert").filter(has_text="This request has moved on")
    await expect(notice).to_contain_text("Someone else acted on it after you opened this page")
    assert await serious_violations(mark) == []
    await shoot(mark, "instance-stale")
    await mark.unroute(re.compile(r"/(stream|flow-instances/|inbox)"))  # back online
    await notice.get_by_role("button", name="Show the current state").click()
    await expect(mark.get_by_text("Completed", exact=True)).to_be_visible()
    await expect(timeline(mark)).to_contain_text("Martha Manager approved")
    kinds = [h["kind"] for h in await history_of(server, instance)]
    assert kinds.count("APPROVED") == 1, kinds  # Mark's late approval changed nothing


async def test_a_cancelled_request_leaves_the_open_pages_at_once(
    people: People, server: Server, tmp_path: Path
) -> None:
    instance = await submitted_expense(server, tmp_path)
    manager = await people.signed_in("manager@acme.com", "/inbox")
    await live(manager)
    row = manager.locator(f'a[href="/instances/{instance}"]')
    await expect(row).to_be_visible()
    count = manager.get_by_text(re.compile(r"^\d+ pending"))
    waiting = int((await count.inner_text()).split()[0])
    overseer = await people.signed_in("admin@acme.com", f"/instances/{instance}")
    await live(overseer)
    await expect(overseer.get_by_role("heading", name="Waiting at Manager Review")).to_be_visible()

    employee = await people.signed_in("employee@acme.com", f"/instances/{instance}")
    await employee.get_by_role("button", name="Cancel the request").click()
    dialog = employee.get_by_role("dialog", name="Cancel the request")
    await dialog.get_by_role("textbox", name="Reason").fill("Bought it myself")
    await dialog.get_by_role("button", name="Cancel the request").click()
    await expect(employee.get_by_text("Cancelled", exact=True)).to_be_visible()

    # The manager's inbox drops it, the admin's open page shows it ended: both from the live
    # stream (no page polls while it is up), well within a few seconds.
    await expect(row).to_have_count(0, timeout=8_000)
    await expect(manager.get_by_text(f"{waiting - 1} pending")).to_be_visible()
    assert await not_reloaded(manager)
    await expect(overseer.get_by_text("Cancelled", exact=True)).to_be_visible(timeout=8_000)
    await expect(overseer.get_by_role("heading", name="Waiting at Manager Review")).to_be_hidden()
    await expect(timeline(overseer)).to_contain_text("“Bought it myself”")
    assert await not_reloaded(overseer)
