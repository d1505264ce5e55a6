"""Approving from an e-mail's link (a confirmation page behind sign-in, never a bare GET),
handing one's tasks to a delegate while away, and a user of another company seeing none of
Acme's data on any page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from core.demo import DEMO_PASSWORD
from tests.web.steps import FLOW, at_level, eventually, history_of, review, submitted_expense
from tests.world.browser import PHONE, People, Server, serious_violations, shoot


async def test_an_approver_approves_from_the_link_in_an_email(
    people: People, server: Server, tmp_path: Path
) -> None:
    await review_mail_trigger(server)
    instance = await submitted_expense(server, tmp_path)

    link = await approve_link_mailed(server, instance)
    assert link.startswith(f"{server.base}/action-links/")

    # Opening the link, signed out: sign in first, then the confirmation page (nothing done).
    page = await people.page()
    await page.goto(link)
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await sign_in_to(page, "manager@acme.com")
    await expect(page.get_by_role("heading", name="Approve this request?")).to_be_visible()
    await expect(page.get_by_text(FLOW)).to_be_visible()
    assert (await server.api("GET", f"/flow-instances/{instance}", "admin@acme.com"))[
        "currentLevelOrder"
    ] == 2
    assert await serious_violations(page) == []
    await shoot(page, "action-link")
    await page.get_by_role("textbox", name="Comment (optional)").fill("Approved from my phone")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("status")).to_contain_text("The request was approved.")
    await shoot(page, "action-link-done")
    await at_level(server, instance, 3)
    entries = await history_of(server, instance)
    review_entry = next(h for h in entries if h["kind"] == "SUBMITTED" and h["levelOrder"] == 2)
    assert review_entry["actorName"] == "Mark Manager"
    assert "Approved" in review_entry["data"].values()

    # Used once: opening it again says so, with no button to press.
    await page.goto(link)
    await expect(page.get_by_role("alert")).to_contain_text("already used")
    await expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    phone = await people.page(PHONE)
    await phone.goto(link)
    await sign_in_to(phone, "manager@acme.com")
    await expect(phone.get_by_role("alert")).to_contain_text("already used")
    await shoot(phone, "action-link-phone")


async def test_a_manager_away_hands_their_tasks_to_a_delegate(
    people: People, server: Server, tmp_path: Path
) -> None:
    manager = await people.signed_in("manager@acme.com", "/settings/delegation")
    await expect(manager.get_by_role("heading", name="Out of office")).to_be_visible()
    await manager.get_by_role("button", name="Save").click()  # nothing chosen yet
    await expect(manager.get_by_text("Choose who takes your tasks.")).to_be_visible()
    await expect(manager.get_by_text("Say when you leave.")).to_be_visible()
    assert await serious_violations(manager) == []
    await shoot(manager, "delegation-errors")

    delegate = manager.get_by_role("combobox", name="Delegate")
    await delegate.or_(manager.get_by_role("textbox", name="Delegate")).first.click()
    await manager.get_by_role("option", name="Fiona Finance").click()
    now = datetime.now(UTC).astimezone()
    await manager.get_by_label("From").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await manager.get_by_label("Until").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    await manager.get_by_role("button", name="Save").click()
    await expect(manager.get_by_role("status")).to_contain_text("Delegating from")
    await shoot(manager, "delegation")
    saved = await server.api("GET", "/me/delegation", "manager@acme.com")
    users = await server.api("GET", "/users?email=finance%40acme.com", "admin@acme.com")
    assert saved["delegateId"] == users["items"][0]["id"]

    try:
        instance = await submitted_expense(server, tmp_path)
        finance = await people.signed_in("finance@acme.com")
        await review(finance, instance, "Approved", "For Mark, who is away")
        await at_level(server, instance, 3)
        await expect(finance.get_by_role("region", name="History")).to_contain_text(
            "Mark Manager is out of office: the task went to their delegate"
        )
        await expect(finance.get_by_role("region", name="History")).to_contain_text(
            "Fiona Finance submitted Expense Review (as delegate of Mark Manager): Approved"
        )
        entries = await history_of(server, instance)
        acted = next(h for h in entries if h["kind"] == "SUBMITTED" and h["levelOrder"] == 2)
        assert acted["actorName"] == "Fiona Finance"
        away = next(h for h in entries if h["kind"] == "DELEGATED")
        assert away["actorName"] == "Mark Manager" and away["levelOrder"] == 2
        assert away["details"]["delegateId"] == saved["delegateId"]
        await shoot(finance, "instance-delegate")
    finally:
        await manager.get_by_role("button", name="Stop delegating").click()
        await expect(manager.get_by_role("button", name="Stop delegating")).to_have_count(0)


async def test_a_user_of_another_company_sees_none_of_acmes_data(
    people: People, server: Server, tmp_path: Path
) -> None:
    await review_mail_trigger(server)
    acme_instance = await submitted_expense(server, tmp_path)
    link = await approve_link_mailed(server, acme_instance)
    developer = "developer@erpbuilder.com"
    globex = await server.api("POST", "/companies", developer, json={"name": "Globex"})
    await server.api(
        "POST",
        "/users",
        developer,
        headers={"X-Company-Id": globex["id"]},
        json={
            "email": "hank@globex.test",
            "password": DEMO_PASSWORD,
            "firstName": "Hank",
            "lastName": "Globex",
            "role": "MANAGER",
        },
    )
    page = await people.signed_in("hank@globex.test")
    await expect(page.get_by_role("heading", name="Hello, Hank Globex")).to_be_visible()
    await expect(page.get_by_text("No flow is open to you yet.")).to_be_visible()
    await shoot(page, "home-empty")
    visits: list[tuple[str, str]] = [
        ("/inbox", "Nothing is waiting for you."),
        ("/notifications", "No notifications."),
        ("/records", "Records"),
        (f"/instances/{acme_instance}", "This request cannot be shown"),
    ]
    for path, text in visits:
        await page.goto(path)
        await expect(page.get_by_text(text).first).to_be_visible()
        body = await page.locator("body").inner_text()
        for secret in ("Expense", "Acme", "Eve Employee", "Mark Manager"):
            assert secret not in body, (path, secret)
        assert await serious_violations(page) == [], path
    await shoot(page, "instance-not-found")
    # Another company's e-mail link: it names the level (the link itself is the secret
    # the API describes), but acting on it is refused and changes nothing.
    level = (await server.api("GET", f"/flow-instances/{acme_instance}", "admin@acme.com"))[
        "currentLevelOrder"
    ]
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    button = page.get_by_role("button", name="Approve")
    await expect(button.or_(page.get_by_role("alert"))).to_be_visible()
    if await button.count():
        await button.click()
    await expect(page.get_by_role("alert")).to_contain_text(re.compile("not valid|already"))
    after = await server.api("GET", f"/flow-instances/{acme_instance}", "admin@acme.com")
    assert after["currentLevelOrder"] == level


async def review_mail_trigger(server: Server) -> None:
    """A trigger that mails Acme's manager the links of each expense waiting for review
    (made once per server: each test that needs the mail asks for it)."""
    name = "Review waiting (e-mail)"
    existing = await server.api(
        "GET", "/triggers?eventType=TASK_STARTED&limit=200", "admin@acme.com"
    )
    if any(t["name"] == name for t in existing["items"]):
        return
    review_task = await server.api("GET", "/tasks?name=Expense%20Review", "admin@acme.com")
    await server.api(
        "POST",
        "/triggers",
        "admin@acme.com",
        json={
            "name": name,
            "eventType": "TASK_STARTED",
            "taskId": review_task["items"][0]["id"],
            "actions": [
                {
                    "type": "send_email",
                    "config": {
                        "to": "manager@acme.com",
                        "subject": "An expense waits for you",
                        "body": "Open: {{ link_to_task }}\nApprove: {{ approve_link }}\n"
                        "Reject: {{ reject_link }}\n",
                    },
                }
            ],
        },
    )


async def approve_link_mailed(server: Server, instance: str) -> str:
    """The approve link of the e-mail sent about `instance`."""

    def mail() -> list[str]:
        return [m for m in server.smtp.mailbox.messages if instance in _text(m)]

    messages = await eventually(_async(mail), lambda found: len(found) >= 1)
    approve = re.search(r"Approve: (\S+)", _text(messages[0]))
    assert approve, _text(messages[0])
    return approve.group(1)


async def sign_in_to(page: Page, email: str) -> None:
    """Sign in on a page outside the shell (the action-link page has no navigation)."""
    await page.get_by_role("textbox", name="Email").fill(email)
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


def _text(message: Any) -> str:
    if message.is_multipart():
        return "\n".join(_text(part) for part in message.get_payload())
    body = message.get_payload(decode=True)
    return body.decode(errors="replace") if isinstance(body, bytes) else str(body)


def _async(read: Any) -> Any:
    async def call() -> Any:
        return read()

    return call
