"""The seed's expense flow in the browser, as the people of Acme go through it: the employee
starts a claim from home and fixes what the form shows wrong, the manager sees it arrive in
the inbox without reloading and approves, finance approves, and the High-Value Alert lands in
the mail log; a rejection sent back to the employee and resubmitted; a finance rejection that
ends the request; a standalone form whose fields come and go with its logic; the key path on
a phone and with the keyboard alone. Every page is scanned with axe-core and photographed."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.web.steps import (
    FLOW,
    at_level,
    eventually,
    fill_expense,
    history_of,
    receipt,
    review,
    start_expense,
    submit,
    timeline,
)
from tests.world.browser import PHONE, People, Server, serious_violations, shoot


async def no_horizontal_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def test_an_expense_goes_through_manager_and_finance_to_the_high_value_alert(
    people: People, server: Server, tmp_path: Path
) -> None:
    manager = await people.signed_in("manager@acme.com", "/inbox")
    await expect(manager.locator("[data-live=on]")).to_be_attached()
    await expect(manager.get_by_text(re.compile(r"^\d+ pending"))).to_be_visible()
    waiting = int((await manager.get_by_text(re.compile(r"^\d+ pending")).inner_text()).split()[0])
    await manager.evaluate("() => { window.notReloaded = true }")

    employee = await people.signed_in("employee@acme.com")
    await expect(employee.get_by_role("heading", name="Start a request")).to_be_visible()
    assert await serious_violations(employee) == []
    await shoot(employee, "home")
    instance = await start_expense(employee)

    # Sent empty: every required field says so, and nothing reaches the server.
    await submit(employee, "Expense Approval Form")
    form = employee.get_by_role("form", name="Expense Approval Form")
    await expect(form.get_by_role("alert")).to_contain_text("4 fields need attention")
    for label in ("Employee Name", "Amount", "Category", "Receipt"):
        await expect(form.get_by_text(f"{label} is required")).to_be_visible()
    await expect(form.get_by_role("textbox", name="Amount")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert await serious_violations(employee) == []
    await shoot(employee, "instance-form-errors")
    await fill_expense(employee, "Eve Employee", "12500", "Travel", None)
    await submit(employee, "Expense Approval Form")
    await expect(form.get_by_role("alert")).to_contain_text("1 field needs attention")
    await expect(form.get_by_text("Receipt is required")).to_be_visible()
    await expect(form.get_by_text("Employee Name is required")).to_be_hidden()
    assert [h["kind"] for h in await history_of(server, instance)] == ["STARTED"]

    await form.get_by_label("Receipt").set_input_files(str(receipt(tmp_path)))
    await expect(form.get_by_text("Uploaded: receipt.pdf")).to_be_visible()
    await submit(employee, "Expense Approval Form")
    await expect(employee.get_by_role("heading", name="Waiting at Manager Review")).to_be_visible()
    await at_level(server, instance, 2)

    # The manager's inbox grows by one while the page stays as it was (the event stream,
    # well before the 15-second fallback poll).
    row = manager.locator(f'a[href="/instances/{instance}"]')
    await expect(row).to_be_visible(timeout=8_000)
    await expect(manager.get_by_text(f"{waiting + 1} pending")).to_be_visible()
    assert await manager.evaluate("() => window.notReloaded === true")
    await expect(row).to_have_accessible_name(
        re.compile(f"^{FLOW} Manager Review · Expense Review")
    )
    assert await serious_violations(manager) == []
    await shoot(manager, "inbox")

    await review(manager, instance, "Approved", "Fine, within the travel budget")
    await expect(manager.get_by_role("heading", name="Waiting at Finance Approval")).to_be_visible()
    await at_level(server, instance, 3)

    finance = await people.signed_in("finance@acme.com")
    await review(finance, instance, "Approved", "Paid with the next run")
    await expect(finance.get_by_text("Completed", exact=True)).to_be_visible()
    await at_level(server, instance, 3, status="COMPLETED")

    # The employee's page follows: finished, with each level's data, the receipt and who
    # did what with their comments.
    await expect(employee.get_by_text("Completed", exact=True)).to_be_visible()
    data = employee.get_by_role("region", name="Submitted data")
    await expect(data.get_by_role("row", name="Amount 12500")).to_be_visible()
    await expect(data.get_by_role("button", name=re.compile(r"^receipt\.pdf"))).to_have_count(2)
    history = timeline(employee)
    await expect(history).to_contain_text("Eve Employee submitted Expense Approval Form")
    await expect(history).to_contain_text("Mark Manager submitted Expense Review: Approved")
    await expect(history).to_contain_text("“Fine, within the travel budget”")
    await expect(history).to_contain_text("“Paid with the next run”")
    assert await serious_violations(employee) == []
    await shoot(employee, "instance-completed")
    kinds = [h["kind"] for h in await history_of(server, instance)]
    assert kinds.count("SUBMITTED") == 3 and kinds[-1] == "COMPLETED", kinds

    # Over $10,000: the High-Value Alert's e-mail to the CFO is in the mail log.
    async def alerts() -> list[dict[str, object]]:
        log = await server.api("GET", "/outgoing-emails?limit=200", "admin@acme.com")
        return [m for m in log["items"] if f"/instances/{instance}" in m["body"]]

    mails = await eventually(alerts, lambda found: len(found) == 1)
    assert mails[0]["to"] == ["cfo@acme.com"]
    assert "Amount: $12500" in str(mails[0]["body"])
    assert mails[0]["status"] == "SENT"


async def test_a_manager_sends_an_expense_back_and_the_employee_resubmits_it(
    people: People, server: Server, tmp_path: Path
) -> None:
    # The company tells people when a level waits for them (a notify trigger, as an admin
    # would set it up), so the employee hears of the send-back.
    tasks = await server.api("GET", "/tasks?name=Expense%20Approval%20Form", "admin@acme.com")
    users = await server.api("GET", "/users?email=employee%40acme.com", "admin@acme.com")
    eve = users["items"][0]["id"]
    await server.api(
        "POST",
        "/triggers",
        "admin@acme.com",
        json={
            "name": "Your turn",
            "eventType": "TASK_STARTED",
            "taskId": tasks["items"][0]["id"],
            "actions": [
                {
                    "type": "notify",
                    "config": {
                        "title": "{{ levelName }}: your expense needs you",
                        "body": "Open it to see what to change.",
                        "userIds": [eve],
                        "link": "{{ link_to_task }}",
                    },
                }
            ],
        },
    )
    employee = await people.signed_in("employee@acme.com")
    instance = await start_expense(employee)
    await fill_expense(employee, "Eve Employee", "80", "Office Supplies", receipt(tmp_path))
    await submit(employee, "Expense Approval Form")
    await at_level(server, instance, 2)

    manager = await people.signed_in("manager@acme.com")
    await manager.get_by_role("link", name=re.compile(r"^Inbox")).click()
    await manager.locator(f'a[href="/instances/{instance}"]').click()
    await expect(manager.get_by_role("button", name="Approve")).to_have_count(0)  # a form decides
    await review(manager, instance, "Rejected", "The receipt is for another trip")
    await at_level(server, instance, 1)
    await expect(
        manager.get_by_role("heading", name="Waiting at Employee Submission")
    ).to_be_visible()

    # The employee is told (bell and list), and finds the form as they sent it, with why.
    await (
        employee.get_by_role("navigation", name="Main")
        .get_by_role("link", name=re.compile("^Notifications"))
        .click()
    )
    note = employee.get_by_role("listitem", name=re.compile("Employee Submission: your expense"))
    await expect(note.first).to_be_visible()
    await expect(employee.get_by_role("link", name=re.compile(r"unread"))).to_be_visible()
    assert await serious_violations(employee) == []
    await shoot(employee, "notifications")
    await note.first.get_by_role("button", name=re.compile("Mark")).click()
    await expect(note.first).to_have_accessible_name(re.compile(r"needs you$"))
    await note.first.get_by_role("link", name="Open").click()
    await expect(employee).to_have_url(re.compile(f"/instances/{instance}$"))
    await expect(employee.get_by_role("heading", name="Your turn")).to_be_visible()
    history = timeline(employee)
    await expect(history).to_contain_text("Mark Manager submitted Expense Review: Rejected")
    await expect(history).to_contain_text("“The receipt is for another trip”")
    await expect(history).to_contain_text("sent back")
    form = employee.get_by_role("form", name="Expense Approval Form")
    await expect(form.get_by_role("textbox", name="Employee Name")).to_have_value("Eve Employee")
    await expect(form.get_by_role("textbox", name="Amount")).to_have_value("80")
    await shoot(employee, "instance-sent-back")

    await form.get_by_role("textbox", name="Amount").fill("64")
    await submit(employee, "Expense Approval Form")
    await at_level(server, instance, 2)
    await expect(employee.get_by_role("heading", name="Waiting at Manager Review")).to_be_visible()

    # This time the manager approves and finance refuses: a finance rejection ends it, and
    # the employee's open page shows it at once (the live stream; no page polls while up).
    await expect(employee.locator("[data-live=on]")).to_be_attached()
    await employee.evaluate("() => { window.notReloaded = true }")
    await review(manager, instance, "Approved", "Right receipt now")
    await at_level(server, instance, 3)
    finance = await people.signed_in("finance@acme.com")
    await finance.get_by_role("link", name=re.compile(r"^Inbox")).click()
    await finance.locator(f'a[href="/instances/{instance}"]').click()
    await finance.get_by_role("button", name="Reject").click()
    dialog = finance.get_by_role("dialog", name="Reject")
    await expect(dialog).to_contain_text("Rejecting ends the request.")
    await dialog.get_by_role("textbox", name="Reason").fill(
        "Office supplies come from the stock room"
    )
    assert await serious_violations(finance) == []
    await shoot(finance, "instance-reject-dialog")
    await dialog.get_by_role("button", name="Reject").click()
    done = await eventually(
        lambda: server.api("GET", f"/flow-instances/{instance}", "admin@acme.com"),
        lambda i: i["status"] != "IN_PROGRESS",
    )
    assert done["status"] in ("REJECTED", "FAILED"), done
    label = done["status"].capitalize()  # as the page's status badge words it
    await expect(employee.get_by_text(label, exact=True).first).to_be_visible(timeout=8_000)
    assert await employee.evaluate("() => window.notReloaded === true")
    await expect(timeline(employee)).to_contain_text("“Office supplies come from the stock room”")
    amounts = [
        h["data"].get("field_2")
        for h in await history_of(server, instance)
        if h["kind"] == "SUBMITTED"
    ]
    assert 80 in amounts and 64 in amounts


async def test_a_standalone_form_shows_and_requires_fields_as_its_logic_says(
    people: People, server: Server
) -> None:
    task = await server.api(
        "POST",
        "/tasks",
        "admin@acme.com",
        json={
            "name": "Travel Request",
            "description": "Ask for a trip before booking it",
            "status": "PUBLISHED",
            "fields": [
                {
                    "id": "kind",
                    "type": "dropdown",
                    "label": "Kind",
                    "required": True,
                    "options": ["Travel", "Training"],
                },
                {"id": "destination", "type": "text", "label": "Destination"},
                {
                    "id": "nights",
                    "type": "number",
                    "label": "Nights",
                    "validation": {"min": 1, "max": 30},
                },
                {"id": "start", "type": "date", "label": "Start"},
                {"id": "end", "type": "date", "label": "End"},
            ],
            "logic": {
                "fields": {
                    "destination": {
                        "visible": {"==": [{"var": "kind"}, "Travel"]},
                        "required": {"==": [{"var": "kind"}, "Travel"]},
                    },
                    "nights": {"visible": {"!!": {"var": "destination"}}},
                }
            },
            "validations": [
                {
                    "rule": {"<=": [{"var": "start"}, {"var": "end"}]},
                    "message": "The end comes after the start",
                    "fields": ["end"],
                }
            ],
        },
    )
    employee = await people.signed_in("employee@acme.com")
    forms = employee.get_by_role("region", name="Forms")
    # The flow's own forms are filled in through the flow, not listed here.
    await expect(forms.get_by_role("heading", name="Expense Approval Form")).to_have_count(0)
    await forms.get_by_role("link", name="Fill in Travel Request").click()
    await expect(employee).to_have_url(f"{server.base}/forms/{task['id']}")
    form = employee.get_by_role("form", name="Travel Request")
    destination = form.get_by_role("textbox", name="Destination")
    nights = form.get_by_role("textbox", name="Nights")
    await expect(destination).to_be_hidden()
    await form.get_by_role("combobox", name="Kind").select_option("Travel")
    await expect(destination).to_be_visible()
    await expect(destination).to_have_attribute("aria-required", "true")
    await expect(nights).to_be_hidden()
    await destination.fill("Oslo")
    await expect(nights).to_be_visible()
    await nights.fill("40")
    await form.get_by_label("Start").fill("2026-03-10")
    await form.get_by_label("End").fill("2026-03-08")
    await form.get_by_role("button", name="Submit").click()
    await expect(form.get_by_text("Nights must be at most 30")).to_be_visible()
    await expect(form.get_by_text("The end comes after the start")).to_be_visible()
    assert await serious_violations(employee) == []
    await shoot(employee, "form-standalone-errors")
    mine = f"/task-executions?taskId={task['id']}"
    assert (await server.api("GET", mine, "employee@acme.com"))["total"] == 0

    # Training: destination and nights go away, and their values are not sent.
    await form.get_by_role("combobox", name="Kind").select_option("Training")
    await expect(destination).to_be_hidden()
    await expect(nights).to_be_hidden()
    await form.get_by_label("End").fill("2026-03-12")
    await form.get_by_role("button", name="Submit").click()
    await expect(employee.get_by_role("status")).to_contain_text("Your Travel Request was sent")
    submissions = employee.get_by_role("region", name="Your recent submissions")
    await expect(submissions.get_by_role("row", name="Kind Training")).to_be_visible()
    sent = await server.api("GET", mine, "employee@acme.com")
    assert sent["total"] == 1
    assert sent["items"][0]["data"] == {
        "kind": "Training",
        "start": "2026-03-10",
        "end": "2026-03-12",
    }
    await shoot(employee, "form-standalone-sent")


async def test_the_key_path_on_a_phone(people: People, server: Server, tmp_path: Path) -> None:
    employee = await people.signed_in("employee@acme.com", viewport=PHONE)
    # The navigation waits behind the burger.
    await expect(employee.get_by_role("button", name="Open navigation")).to_be_visible()
    await expect(employee.get_by_role("navigation", name="Main")).not_to_be_in_viewport()
    await no_horizontal_scroll(employee)
    await shoot(employee, "home-phone")
    await employee.get_by_role("button", name=f"Start {FLOW}").click()
    await expect(employee.get_by_role("heading", name="Your turn")).to_be_visible()
    instance = employee.url.rsplit("/", 1)[1]
    await fill_expense(employee, "Eve Employee", "45", "Travel", receipt(tmp_path))
    await no_horizontal_scroll(employee)
    await shoot(employee, "instance-form-phone")
    await submit(employee, "Expense Approval Form")
    await at_level(server, instance, 2)

    manager = await people.signed_in("manager@acme.com", viewport=PHONE)
    await manager.get_by_role("button", name="Open navigation").click()
    await (
        manager.get_by_role("navigation", name="Main")
        .get_by_role("link", name=re.compile("^Inbox"))
        .click()
    )
    await expect(manager.get_by_role("navigation", name="Main")).not_to_be_in_viewport()
    row = manager.locator(f'a[href="/instances/{instance}"]')
    await expect(row).to_be_visible()
    await no_horizontal_scroll(manager)
    assert await serious_violations(manager) == []
    await shoot(manager, "inbox-phone")
    await row.click()
    form = manager.get_by_role("form", name="Expense Review")
    await form.get_by_role("combobox", name="Decision").select_option("Approved")
    await form.get_by_role("button", name="Submit").click()
    await at_level(server, instance, 3)
    await expect(manager.get_by_role("heading", name="Waiting at Finance Approval")).to_be_visible()
    await no_horizontal_scroll(manager)
    await shoot(manager, "instance-phone")
    for path, name in (
        ("/notifications", "notifications-phone"),
        ("/records", "records-phone"),
        ("/settings/delegation", "delegation-phone"),
    ):
        await manager.goto(path)
        await expect(manager.get_by_role("heading", level=1)).to_be_visible()
        await no_horizontal_scroll(manager)
        await shoot(manager, name)


async def test_the_expense_form_with_the_keyboard_alone(people: People, server: Server) -> None:
    page = await people.page()
    await page.goto("/")
    # Sign in: the e-mail field has the focus; Tab and Enter do the rest.
    await expect(page.get_by_role("textbox", name="Email")).to_be_focused()
    await page.keyboard.type("employee@acme.com")
    await page.keyboard.press("Tab")
    await page.keyboard.type("password123")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Start a request")).to_be_visible()

    start = page.get_by_role("button", name=f"Start {FLOW}")
    for _ in range(30):
        if await start.evaluate("b => b === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await expect(start).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Your turn")).to_be_visible()
    instance = page.url.rsplit("/", 1)[1]

    # Submitting empty with Enter in a field; the errors are announced and tied to fields.
    form = page.get_by_role("form", name="Expense Approval Form")
    name = form.get_by_role("textbox", name="Employee Name")
    await name.focus()
    await page.keyboard.press("Enter")
    await expect(form.get_by_role("alert")).to_be_visible()
    described = await name.get_attribute("aria-describedby")
    assert (
        described
        and "Employee Name is required"
        in await page.locator("#" + described.split()[-1]).inner_text()
    )
    await page.keyboard.type("Eve Employee")
    await page.keyboard.press("Tab")
    await expect(form.get_by_role("textbox", name="Amount")).to_be_focused()
    await page.keyboard.type("99")
    await page.keyboard.press("Tab")
    await expect(form.get_by_role("combobox", name="Category")).to_be_focused()
    await page.keyboard.press("ArrowDown")

    # The cancel dialog: opened from the keyboard, focus inside, Escape closes it and
    # gives the focus back.
    cancel = page.get_by_role("button", name="Cancel the request")
    await cancel.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Cancel the request")
    await expect(dialog).to_be_visible()
    assert await dialog.evaluate("d => d.contains(document.activeElement)")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(cancel).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("textbox", name="Reason").focus()
    await page.keyboard.type("Started by mistake")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(dialog.get_by_role("button", name="Cancel the request")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    cancelled = await server.api("GET", f"/flow-instances/{instance}", "employee@acme.com")
    assert cancelled["status"] == "CANCELLED"

    # Every page is reachable from the main navigation by keyboard, and passes axe.
    assert "/sign-in" not in page.url
    for label, heading in (
        ("Inbox", "Inbox"),
        ("Notifications", "Notifications"),
        ("Records", "Records"),
        ("Out of office", "Out of office"),
    ):
        link = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=re.compile(f"^{label}")
        )
        await link.focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert await serious_violations(page) == [], label
        await shoot(page, f"{heading.lower().replace(' ', '-')}-desktop")


async def test_a_custom_tables_records_in_the_grid(people: People, server: Server) -> None:
    table = await server.api(
        "POST",
        "/tables",
        "admin@acme.com",
        json={
            "name": "suppliers",
            "displayName": "Suppliers",
            "schema": [
                {"id": "name", "type": "text", "label": "Name", "required": True},
                {
                    "id": "country",
                    "type": "dropdown",
                    "label": "Country",
                    "options": ["NO", "SE", "DK"],
                },
                {"id": "rating", "type": "number", "label": "Rating"},
                {"id": "city", "type": "text", "label": "City"},
                {"id": "contact", "type": "email", "label": "Contact e-mail"},
            ],
        },
    )
    rows = [
        {
            "name": f"Supplier {n:02}",
            "country": ("NO", "SE", "DK")[n % 3],
            "rating": n % 5,
            "city": ("Kristiansand", "Gothenburg", "Copenhagen")[n % 3],
            "contact": f"orders.department{n:02}@supplier-{n:02}.example.com",
        }
        for n in range(60)
    ]
    await server.api(
        "POST", "/tables/suppliers/records/bulk-create", "admin@acme.com", json={"records": rows}
    )
    employee = await people.signed_in("employee@acme.com")
    await (
        employee.get_by_role("navigation", name="Main").get_by_role("link", name="Records").click()
    )
    await employee.get_by_role("link", name="Suppliers").click()
    await expect(employee).to_have_url(f"{server.base}/records/{table['id']}")
    grid = employee.get_by_role("table", name="Suppliers records")
    await expect(employee.get_by_text("60 records")).to_be_visible()
    await expect(grid.get_by_role("row")).to_have_count(51)  # a header and a page of 50
    assert await serious_violations(employee) == []
    await shoot(employee, "records")
    await employee.get_by_role("button", name="next page").click()
    await expect(grid.get_by_role("row")).to_have_count(11)

    await employee.get_by_role("button", name="New record").click()
    dialog = employee.get_by_role("dialog", name="New record")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_text("Name is required")).to_be_visible()
    await dialog.get_by_role("textbox", name="Name").fill("Fjord Paper AS")
    await dialog.get_by_role("combobox", name="Country").select_option("NO")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(employee.get_by_text("61 records")).to_be_visible()
    found = await server.api("GET", "/tables/suppliers/records?limit=100", "employee@acme.com")
    assert found["total"] == 61
    assert any(r["data"] == {"name": "Fjord Paper AS", "country": "NO"} for r in found["items"])

    # On a phone the grid is wider than the screen: it scrolls sideways in its own box,
    # which keeps to the screen, while the page itself does not scroll sideways.
    phone = await people.signed_in("employee@acme.com", f"/records/{table['id']}", viewport=PHONE)
    await expect(phone.get_by_text("61 records")).to_be_visible()
    await no_horizontal_scroll(phone)
    box = phone.get_by_role("region", name="Suppliers records, scrolls sideways")
    sideways = await box.evaluate(
        "b => ({wider: b.scrollWidth - b.clientWidth, right: b.getBoundingClientRect().right})"
    )
    assert sideways["wider"] > 100, sideways
    assert sideways["right"] <= PHONE["width"], sideways
    last_edit = phone.get_by_role("button", name=re.compile(r"^Edit record Supplier \d+$")).first
    await expect(last_edit).not_to_be_in_viewport()
    await box.focus()  # the keyboard scrolls it too
    for _ in range(3):
        await phone.keyboard.press("ArrowRight")
    await phone.wait_for_function("b => b.scrollLeft > 0", arg=await box.element_handle())
    await box.evaluate("b => b.scrollTo({left: b.scrollWidth})")
    await expect(last_edit).to_be_in_viewport()
    await no_horizontal_scroll(phone)
    assert await serious_violations(phone) == []
    await box.evaluate("b => b.scrollTo({left: 0})")
    await shoot(phone, "records-grid-phone")
