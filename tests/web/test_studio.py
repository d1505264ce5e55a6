"""The builder studio in a real browser: a developer builds a purchase request form with a
conditional field and a cross-field rule, a three-level flow using it, and a trigger, only
through the studio (no JSON written), sees a flow check on its node, simulates the branch and
test-runs the trigger's condition, publishes; an employee then sees and submits the form in the
workspace."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.world.browser import PHONE, People, serious_violations, shoot


async def choose(page: Page, scope: Locator, combobox: str, option: str) -> None:
    """Pick an option of a Mantine select (react-querybuilder's controls are ones)."""
    await scope.get_by_role("combobox", name=combobox).last.click()
    await page.get_by_role("option", name=option, exact=True).last.click()


async def add_field(page: Page, type_label: str, label: str, field_id: str) -> None:
    await page.get_by_role("button", name=f"Add a {type_label} field").click()
    settings = page.get_by_role("region", name="Field settings")
    await settings.get_by_role("textbox", name="Label").fill(label)
    await settings.get_by_role("textbox", name="Field id").fill(field_id)
    await expect(page.get_by_role("button", name=f"Edit {label}")).to_be_visible()


async def condition(
    page: Page, group: Locator, field: str, operator: str, value: str | None
) -> None:
    """Add one row to a condition builder: field, operator and (unless unary) value."""
    await group.get_by_role("button", name="+ Condition").first.click()
    row = group.locator(".rule").last
    await choose(page, row, "Field", field)
    await choose(page, row, "Operator", operator)
    if value is not None:
        await row.get_by_role("textbox", name="Value").fill(value)


async def build_form(page: Page) -> None:
    await page.get_by_role("link", name="Studio").click()
    await page.get_by_role("link", name="New form").click()
    await page.get_by_role("textbox", name="Name").fill("Purchase request")
    await add_field(page, "Text", "Item", "item")
    await add_field(page, "Number", "Amount", "amount")
    settings = page.get_by_role("region", name="Field settings")
    await settings.get_by_role("checkbox", name="Required").check()
    await add_field(page, "Long text", "Justification", "justification")
    # Conditional: the justification shows only above 1,000.
    visible = page.get_by_role("group", name="Visible when (Justification)")
    await condition(page, visible, "Amount", ">", "1000")
    await visible.get_by_role("tab", name="JSON").click()
    await expect(visible.get_by_role("textbox")).to_have_value(
        '{\n  ">": [\n    {\n      "var": "amount"\n    },\n    1000\n  ]\n}'
    )
    # Cross-field rule: at most 1,000, or a justification.
    await page.get_by_role("tab", name="Rules").click()
    await page.get_by_role("button", name="Add a rule").click()
    rule = page.get_by_role("group", name="Rule 1 holds when")
    await condition(page, rule, "Amount", "<=", "1000")
    await condition(page, rule, "Justification", "is filled in", None)
    await choose(page, rule, "Combinator", "OR")
    await page.get_by_role("textbox", name="Message of rule 1").fill(
        "Explain a purchase above 1,000"
    )
    await page.get_by_role("button", name="Justification", exact=True).click()
    # The server's save-time checks are shown on the field and the setting they name.
    await page.get_by_role("tab", name="Fields").click()
    await page.get_by_role("button", name="Edit Amount").click()
    settings = page.get_by_role("region", name="Field settings")
    await settings.get_by_label("Smallest value").fill("100")
    await settings.get_by_label("Largest value").fill("10")
    await page.get_by_role("button", name="Save draft").click()
    problem = "validation.min is above validation.max"
    await expect(page.get_by_label("Field Amount").get_by_role("alert")).to_contain_text(problem)
    await expect(settings).to_contain_text(problem)
    await shoot(page, "studio-form-server-check")
    await settings.get_by_label("Largest value").fill("1000000")
    # The live preview is the workspace's renderer running the logic.
    await page.get_by_role("tab", name="Preview").click()
    await expect(page.get_by_role("textbox", name="Justification")).to_have_count(0)
    await page.get_by_role("textbox", name="Amount").fill("5000")
    await expect(page.get_by_role("textbox", name="Justification")).to_be_visible()
    await expect(page.get_by_text("Explain a purchase above 1,000").first).to_be_visible()
    await shoot(page, "studio-form-preview")
    await page.get_by_role("textbox", name="Justification").fill("Needed")
    await expect(page.get_by_text("Explain a purchase above 1,000")).to_have_count(0)
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await page.get_by_role("tab", name="Fields").click()
    await page.get_by_role("button", name="Edit Justification").click()
    await shoot(page, "studio-form-builder")
    await publish(page)


async def publish(page: Page) -> None:
    await page.get_by_role("button", name="Publish…").click()
    dialog = page.get_by_role("dialog", name="Publish")
    await expect(dialog.get_by_text("Proposed version")).to_be_visible()
    await expect(dialog.get_by_role("list", name="Changelog")).to_be_visible()
    await shoot(page, "studio-publish")
    await dialog.get_by_role("button", name="Confirm and publish").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_text("Same as release 1.0.0")).to_be_visible()


async def build_flow(page: Page) -> None:
    await page.goto("/studio/flows/new")
    await page.get_by_role("textbox", name="Name").fill("Purchase approval")
    panel = page.get_by_role("region", name="Level settings")
    for name in ("Request", "Manager approval", "Finance approval"):
        await page.get_by_role("button", name="Add a level").click()
        await panel.get_by_role("textbox", name="Level name").fill(name)
    await page.get_by_role("button", name="Level 1: Request").click()
    await panel.get_by_label("Tasks (forms) of this level").click()
    await page.get_by_role("option", name="Purchase request").click()
    await page.keyboard.press("Escape")
    await page.get_by_role("button", name="Level 2: Manager approval").click()
    await panel.get_by_label("Roles who act (none: the initiator)").click()
    await page.get_by_role("option", name="Manager").click()
    await page.keyboard.press("Escape")
    await panel.get_by_text("N of M", exact=True).click()
    await panel.get_by_role("textbox", name="How many people (N)").fill("2")
    await panel.get_by_role("textbox", name="Deadline (hours, empty for none)").fill("48")
    await panel.get_by_role("combobox", name="When rejected").select_option(
        label="Send back to 1. Request"
    )
    # A branch that skips the last level for small amounts. Added, it goes from level 1 to
    # the end with no condition: the server's checks then find levels 2 and 3 unreachable,
    # shown on their nodes.
    await page.get_by_role("button", name="Add a branch").click()
    branch = page.get_by_role("region", name="Branch settings")
    await branch.get_by_role("textbox", name="Branch name").fill("Small purchase")
    await page.get_by_role("button", name="Save draft").click()
    node = page.get_by_label("Level 3: Finance approval")
    await expect(node.get_by_role("alert")).to_contain_text("can never be reached")
    await shoot(page, "studio-flow-check")
    await branch.get_by_role("combobox", name="From level").select_option(
        label="2. Manager approval"
    )
    await condition(
        page, branch.get_by_role("group", name="Branch condition"), "Amount", "<", "1000"
    )
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await page.get_by_role("button", name="Check").click()
    await expect(page.get_by_text("The server's checks pass")).to_be_visible()
    await shoot(page, "studio-flow-designer")
    # Simulation: the server walks the flow with sample data per level, its rule engine
    # deciding each branch, and explains the condition.
    await page.get_by_role("tab", name="Simulate").click()
    await page.get_by_role("textbox", name="Sample data of level 1: Request").fill(
        '{"item": "Chair", "amount": 500}'
    )
    await page.get_by_role("button", name="Simulate", exact=True).click()
    result = page.get_by_label("Simulated path")
    await expect(result).to_contain_text("Path: 1 → 2 → end")
    await expect(result).to_contain_text('takes "Small purchase"')
    await expect(result.get_by_role("list", name="Explanation of Small purchase")).to_contain_text(
        "of 500, 1000 → true"
    )
    await shoot(page, "studio-flow-simulate")
    # A large amount goes on to finance: the branch does not hold.
    await page.get_by_role("textbox", name="Sample data of level 1: Request").fill(
        '{"amount": 5000}'
    )
    await page.get_by_role("button", name="Simulate", exact=True).click()
    await expect(result).to_contain_text("Path: 1 → 2 → 3 → end")
    await expect(result).to_contain_text("does not hold")
    await page.get_by_role("tab", name="Design").click()
    await publish(page)


async def build_trigger(page: Page) -> None:
    await page.goto("/studio/triggers/new")
    await page.get_by_role("textbox", name="Name").fill("Large purchase alert")
    # A schedule shows its next firings in its own time zone.
    await page.get_by_role("combobox", name="When").select_option(label="On a schedule")
    await page.get_by_role("textbox", name="Cron expression (minute hour day month weekday)").fill(
        "30 9 * * 1-5"
    )
    await page.get_by_role("combobox", name="Time zone").fill("Asia/Kolkata")
    await page.keyboard.press("Escape")
    firings = page.get_by_label("Next firings")
    await expect(firings).to_contain_text("Next firings (Asia/Kolkata)")
    await expect(firings.get_by_role("listitem")).to_have_count(5)
    await expect(firings.get_by_role("listitem").first).to_contain_text("9:30")
    await shoot(page, "studio-trigger-schedule")
    await page.get_by_role("combobox", name="When").select_option(label="A flow completes")
    await page.get_by_role("combobox", name="Flow").select_option(label="Purchase approval")
    await page.get_by_role("tab", name="Condition").click()
    await condition(
        page, page.get_by_role("group", name="Trigger condition"), "Amount", ">", "1000"
    )
    await page.get_by_role("tab", name="Actions").click()
    await page.get_by_role("button", name="Add an action").click()
    action = page.get_by_label("Action 1")
    # The variables of the flow's forms are offered: picked, one goes into the setting.
    await action.get_by_role("textbox", name="title").first.fill("Large purchase of ")
    await (
        action.get_by_role("group", name="Variables for Action 1")
        .get_by_role("button", name="{{amount}}")
        .click()
    )
    await expect(action.get_by_role("textbox", name="title").first).to_have_value(
        "Large purchase of {{amount}}"
    )
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await page.get_by_role("tab", name="Test").click()
    await page.get_by_role("textbox", name="Sample event data").fill('{"amount": 5000}')
    await page.get_by_role("button", name="Test the trigger").click()
    result = page.get_by_label("Test result")
    await expect(result).to_contain_text("The condition holds")
    await expect(result.get_by_role("list", name="Explanation")).to_contain_text(
        "of 5000, 1000 → true"
    )
    # What the action would be given, its template rendered; nothing ran.
    await expect(result.get_by_role("list", name="What the actions would do")).to_contain_text(
        "Large purchase of 5000"
    )
    await shoot(page, "studio-trigger-test")
    await page.get_by_role("textbox", name="Sample event data").fill('{"amount": 50}')
    await page.get_by_role("button", name="Test the trigger").click()
    await expect(result).to_contain_text("The condition does not hold")


async def test_a_developer_builds_and_publishes_and_an_employee_submits(people: People) -> None:
    page = await people.signed_in("developer@erpbuilder.com")
    await page.get_by_role("combobox", name="Company you act in").select_option(
        label="Acme Corporation"
    )
    await build_form(page)
    await build_flow(page)
    await build_trigger(page)
    await page.goto("/studio/flows")
    await expect(page.get_by_role("link", name="Purchase approval")).to_be_visible()
    await shoot(page, "studio-home")
    assert await serious_violations(page) == []

    employee = await people.signed_in("employee@acme.com")
    await employee.get_by_role("button", name="Start Purchase approval").click()
    await employee.get_by_role("textbox", name="Item").fill("Standing desk")
    await employee.get_by_role("textbox", name="Amount").fill("5000")
    justification = employee.get_by_role("textbox", name="Justification")
    await expect(justification).to_be_visible()
    await justification.fill("The old one broke")
    await employee.get_by_role("button", name="Submit").click()
    await shoot(employee, "studio-employee-after-submit")
    await expect(employee.get_by_text("Nothing submitted yet.")).to_have_count(0)
    await expect(employee.get_by_role("region", name="Submitted data")).to_contain_text(
        "Standing desk"
    )
    await shoot(employee, "studio-employee-submitted")


async def test_the_studio_on_a_phone(people: People) -> None:
    page = await people.signed_in("admin@acme.com", "/studio/forms", viewport=PHONE)
    await expect(page.get_by_role("heading", name="Studio")).to_be_visible()
    await page.get_by_role("link", name="Expense Approval Form").click()
    await page.get_by_role("button", name="Edit Amount").click()
    await expect(page.get_by_role("region", name="Field settings")).to_contain_text(
        "Smallest value"
    )
    await shoot(page, "studio-form-phone")
    await page.goto("/studio/flows")
    await page.get_by_role("link", name="Expense Approval Workflow").click()
    await expect(page.get_by_label("Level 2: Manager Review")).to_be_visible()
    await shoot(page, "studio-flow-phone")


async def test_a_test_run_of_the_demo_alert_explains_its_condition(people: People) -> None:
    page = await people.signed_in("developer@erpbuilder.com")
    await page.get_by_role("combobox", name="Company you act in").select_option(
        label="Acme Corporation"
    )
    await page.goto("/studio/triggers")
    await page.get_by_role("link", name="High-Value Alert").click()
    await page.get_by_role("tab", name="Test").click()
    await page.get_by_role("textbox", name="Sample event data").fill('{"Amount": 12000}')
    await page.get_by_role("button", name="Test the trigger").click()
    result = page.get_by_label("Test result")
    await expect(result).to_contain_text("The condition holds")
    # The seed's condition format, explained as the JSONLogic it runs as.
    await expect(result.get_by_role("list", name="Explanation")).to_contain_text(
        "of 12000, 10000 → true"
    )
    await expect(result).to_contain_text("send_email")
    await shoot(page, "studio-trigger-demo-test")
