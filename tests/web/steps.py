"""Steps of the expense scenarios as a person does them in the browser, and reads of the
API's state to check what the pages claim."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Locator, Page, expect

from tests.world.browser import Server

FLOW = "Expense Approval Workflow"
T = TypeVar("T")


async def eventually(read: Callable[[], Awaitable[T]], ok: Callable[[T], bool], seconds=15.0) -> T:
    """Poll the API until `ok(value)` (automation runs after the request that caused it)."""
    deadline = time.monotonic() + seconds
    while True:
        value = await read()
        if ok(value) or time.monotonic() > deadline:
            assert ok(value), value
            return value
        await asyncio.sleep(0.2)


def receipt(directory: Path) -> Path:
    path = directory / "receipt.pdf"
    path.write_bytes(b"%PDF-1.4\n% a receipt\n" + b"0" * 4096)
    return path


async def start_expense(page: Page) -> str:
    """From home: start the expense flow; returns the new instance's id."""
    await page.get_by_role("link", name="Home", exact=True).click()
    await page.get_by_role("button", name=f"Start {FLOW}").click()
    await expect(page).to_have_url(re.compile(r"/instances/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", name="Your turn")).to_be_visible()
    return page.url.rsplit("/", 1)[1]


async def fill_expense(
    page: Page, name: str, amount: str, category: str, file: Path | None
) -> None:
    form = page.get_by_role("form", name="Expense Approval Form")
    await form.get_by_role("textbox", name="Employee Name").fill(name)
    await form.get_by_role("textbox", name="Amount").fill(amount)
    await form.get_by_role("combobox", name="Category").select_option(category)
    if file is not None:
        await form.get_by_label("Receipt").set_input_files(str(file))
        await expect(form.get_by_text(f"Uploaded: {file.name}")).to_be_visible()


async def submit(page: Page, form_name: str) -> None:
    await page.get_by_role("form", name=form_name).get_by_role("button", name="Submit").click()


async def review(page: Page, instance: str, decision: str, comment: str) -> None:
    """An approver opens the instance (from their inbox) and fills in the review form."""
    await page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    await page.locator(f'a[href="/instances/{instance}"]').click()
    form = page.get_by_role("form", name="Expense Review")
    await form.get_by_role("combobox", name="Decision").select_option(decision)
    await form.get_by_role("textbox", name="Comments").fill(comment)
    await form.get_by_role("button", name="Submit").click()


async def instance_of(server: Server, instance: str, who: str = "admin@acme.com") -> Any:
    return await server.api("GET", f"/flow-instances/{instance}", who)


async def history_of(server: Server, instance: str, who: str = "admin@acme.com") -> list[Any]:
    page = await server.api("GET", f"/flow-instances/{instance}/history?limit=200", who)
    return list(page["items"])


async def at_level(server: Server, instance: str, order: int, status: str = "IN_PROGRESS") -> Any:
    return await eventually(
        lambda: instance_of(server, instance),
        lambda i: i["currentLevelOrder"] == order and i["status"] == status,
    )


def timeline(page: Page) -> Locator:
    """The instance page's history (who did what, when, with comments)."""
    return page.get_by_role("region", name="History")


async def submitted_expense(server: Server, tmp_path: Path, amount: int = 90) -> str:
    """An expense the employee has submitted (through the API): waiting at level 2."""
    who = "employee@acme.com"
    flows = await server.api("GET", "/flows/active", who)
    flow = next(f for f in flows["items"] if f["name"] == FLOW)
    instance = await server.api("POST", f"/flows/{flow['id']}/instances", who, json={})
    path = tmp_path / "receipt.pdf"
    path.write_bytes(b"%PDF-1.4 receipt")
    stored = await server.api(
        "POST",
        "/files?context=task_attachment",
        who,
        files={"file": ("receipt.pdf", path.read_bytes(), "application/pdf")},
    )
    task = flow["levels"][0]["tasks"][0]["taskId"]
    data = {
        "field_1": "Eve Employee",
        "field_2": amount,
        "field_3": "Travel",
        "field_4": stored["id"],
    }
    await server.api(
        "POST",
        f"/flow-instances/{instance['id']}/tasks/{task}",
        who,
        json={"data": data, "levelOrder": 1},
    )
    await at_level(server, instance["id"], 2)
    return str(instance["id"])
