"""The studio's data side in a real browser: a developer designs custom tables with a link
between them, relations and per-role permissions; a schema change is shown with what it does
to the existing records before it is applied; an e-mail template is previewed by the server's
sandbox with sample data and test-sent into the mail log; a Google Sheets integration is
connected through the vendor's OAuth consent (a local Google) and tested, and its workflow
synced with its cursor shown; publishing shows the changelog and proposed version first."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from tests.integrations.google_server import Google
from tests.world.browser import People, Server, serious_violations, shoot

SERVER_ENV = {"ERP_HTTP_ALLOW_PRIVATE": "true", "ERP_HTTP_RETRIES": "0"}
"""The platform may reach the local Google on 127.0.0.1."""

DEVELOPER = "developer@erpbuilder.com"


async def developer(people: People, path: str = "/studio") -> Page:
    page = await people.signed_in(DEVELOPER)
    await page.get_by_role("combobox", name="Company you act in").select_option(
        label="Acme Corporation"
    )
    await page.goto(path)
    return page


async def acme_headers(server: Server) -> dict[str, str]:
    me = await server.api("GET", "/auth/me", DEVELOPER)
    companies = await server.api("GET", "/companies", DEVELOPER)
    [acme] = [c for c in companies["items"] if c["name"] == "Acme Corporation"]
    assert me["user"]["email"] == DEVELOPER
    return {"X-Company-Id": acme["id"]}


async def table_named(server: Server, name: str) -> dict[str, Any]:
    headers = await acme_headers(server)
    return await server.api("GET", f"/tables/{name}", DEVELOPER, headers=headers)  # type: ignore[no-any-return]


async def add_column(page: Page, type_label: str, label: str, field_id: str) -> None:
    await page.get_by_role("button", name=f"Add a {type_label} field").click()
    settings = page.get_by_role("region", name="Field settings")
    await settings.get_by_role("textbox", name="Label").fill(label)
    await settings.get_by_role("textbox", name="Field id").fill(field_id)
    await expect(page.get_by_role("button", name=f"Edit {label}")).to_be_visible()


async def save(page: Page) -> None:
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()


async def test_a_table_with_a_link_a_relation_and_permissions(
    people: People, server: Server
) -> None:
    page = await developer(people, "/studio/tables/new")
    await page.get_by_role("textbox", name="Display name").fill("Suppliers")
    await add_column(page, "Text", "Company", "company")
    await save(page)

    await page.goto("/studio/tables/new")
    await page.get_by_role("textbox", name="Display name").fill("Purchase orders")
    await add_column(page, "Text", "Item", "item")
    await add_column(page, "Number", "Amount", "amount")
    await page.get_by_role("checkbox", name="Indexed").check()
    # A link to the suppliers, chosen from the company's tables (no JSON written).
    await page.get_by_role("tab", name="Relations").click()
    await page.get_by_role("combobox", name="Add a link to the table").select_option(
        label="Suppliers"
    )
    await expect(page.get_by_role("combobox", name="Table Suppliers points at")).to_have_value(
        "suppliers"
    )
    # Employees may add orders but not change or delete them, and only read the amount.
    await page.get_by_role("tab", name="Permissions").click()
    grants = page.get_by_role("table", name="Record permissions by role")
    await grants.get_by_role("combobox", name="Update (Employees)").select_option(label="None")
    await grants.get_by_role("combobox", name="Delete (Employees)").select_option(label="None")
    fields = page.get_by_role("table", name="Field access by role")
    await fields.get_by_role("combobox", name="Amount for Employees").select_option(
        label="Read only"
    )
    await shoot(page, "studio-table-permissions")
    await save(page)
    orders = await table_named(server, "purchase_orders")
    assert orders["permissions"] == {
        "EMPLOYEE": {"update": "none", "delete": "none", "fields": {"amount": "read"}}
    }
    [link] = [c for c in orders["schema"] if c["type"] == "record"]
    assert link["settings"] == {"table": "suppliers"}
    assert [c["id"] for c in orders["schema"] if c.get("indexed")] == ["amount"]

    # On the suppliers' side, the orders pointing at them become a relation.
    await page.goto("/studio/tables")
    await page.get_by_role("link", name="Suppliers").click()
    await page.get_by_role("tab", name="Relations").click()
    await page.get_by_role("button", name="Add as a relation").click()
    await expect(page.get_by_role("textbox", name="Name of relation 1")).to_have_value(
        "purchase_orders"
    )
    await shoot(page, "studio-table-relations")
    assert await serious_violations(page) == []
    await save(page)
    suppliers = await table_named(server, "suppliers")
    assert suppliers["relations"] == [
        {
            "name": "purchase_orders",
            "type": "one-to-many",
            "table": "purchase_orders",
            "field": link["id"],
        }
    ]


async def test_a_schema_change_is_shown_with_its_effect_on_records_before_it_is_applied(
    people: People, server: Server
) -> None:
    headers = await acme_headers(server)
    schema = [
        {"id": "code", "type": "text", "label": "Code"},
        {"id": "notes", "type": "text", "label": "Notes"},
    ]
    await server.api(
        "POST",
        "/tables",
        DEVELOPER,
        headers=headers,
        json={"name": "parts", "displayName": "Parts", "schema": schema},
    )
    for data in ({"code": "P-1", "notes": "Blue"}, {"notes": "No code yet"}):
        await server.api(
            "POST", "/tables/parts/records", DEVELOPER, headers=headers, json={"data": data}
        )
    page = await developer(people, "/studio/tables")
    await page.get_by_role("link", name="Parts").click()

    # Making the code required: the record without one would not fit, so it cannot be saved.
    await page.get_by_role("button", name="Edit Code").click()
    await (
        page.get_by_role("region", name="Field settings")
        .get_by_role("checkbox", name="Required")
        .check()
    )
    await page.get_by_role("button", name="Save", exact=True).click()
    dialog = page.get_by_role("dialog", name="Before the change is saved")
    await expect(dialog.get_by_role("alert")).to_contain_text("1 record would no longer fit")
    await expect(dialog.get_by_role("list", name="Records that would not fit")).to_contain_text(
        "code"
    )
    await expect(dialog.get_by_role("button", name="Apply the change")).to_be_disabled()
    await shoot(page, "studio-table-change-refused")
    await dialog.get_by_role("button", name="Keep editing").click()
    await (
        page.get_by_role("region", name="Field settings")
        .get_by_role("checkbox", name="Required")
        .uncheck()
    )

    # Removing the notes drops their values from both records: said first, then applied.
    await page.get_by_role("button", name="Remove Notes").click()
    await page.get_by_role("button", name="Save", exact=True).click()
    removed = dialog.get_by_role("list", name="Columns removed")
    await expect(removed).to_contain_text("its values are removed from 2 records")
    await shoot(page, "studio-table-change")
    assert (await table_named(server, "parts"))["schema"] == schema  # nothing written yet
    await dialog.get_by_role("button", name="Apply the change").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    records = await server.api("GET", "/tables/parts/records", DEVELOPER, headers=headers)
    assert sorted(r["data"].get("code", "") for r in records["items"]) == ["", "P-1"]
    assert all("notes" not in r["data"] for r in records["items"])


async def test_a_template_is_previewed_by_the_server_and_test_sent_into_the_mail_log(
    people: People, server: Server
) -> None:
    page = await developer(people, "/studio/templates/new")
    await page.get_by_role("textbox", name="Name", exact=True).fill("Order confirmation")
    await page.get_by_role("textbox", name="Subject").fill("Order {{ order_no }} confirmed")
    await page.get_by_role("textbox", name="Body").fill(
        "Dear {{ customer }},\n{% if total > 1000 %}A large order: {{ total }}.{% endif %}"
    )
    preview = page.get_by_role("region", name="Preview")
    await page.get_by_role("textbox", name="Sample order_no").fill("PO-7")
    await page.get_by_role("textbox", name="Sample customer").fill("Ada")
    await page.get_by_role("textbox", name="Sample total").fill("5000")
    # The first template with an expression starts the server's template workers.
    await expect(preview).to_contain_text("Order PO-7 confirmed", timeout=20_000)
    await expect(preview.get_by_label("Rendered body")).to_contain_text("A large order: 5000.")
    # What the sandbox refuses is said on the body, before anything is saved.
    await page.get_by_role("textbox", name="Body").fill("{{ ''.__class__ }}")
    await expect(preview.get_by_role("alert")).to_contain_text("not allowed")
    await page.get_by_role("textbox", name="Body").fill(
        "Dear {{ customer }},\n{% if total > 1000 %}A large order: {{ total }}.{% endif %}"
    )
    await expect(preview.get_by_label("Rendered body")).to_contain_text("Dear Ada")
    await save(page)
    await expect(page.get_by_role("region", name="Variables")).to_contain_text(
        "No trigger sends this template yet"
    )
    await expect(page.get_by_role("textbox", name="Send a test to")).to_have_value(DEVELOPER)
    await page.get_by_role("button", name="Send a test").click()
    await expect(page.get_by_role("status").filter(has_text="Sent to")).to_contain_text(DEVELOPER)
    log = page.get_by_label("Test sends in the mail log")
    await expect(log).to_contain_text("Order PO-7 confirmed")
    await shoot(page, "studio-template")
    assert await serious_violations(page) == []
    received = [m for m in server.smtp.mailbox.messages if m["Subject"] == "Order PO-7 confirmed"]
    assert len(received) == 1 and "A large order: 5000." in received[0].get_payload()
    headers = await acme_headers(server)
    mails = await server.api(
        "GET", "/outgoing-emails", DEVELOPER, headers=headers, params={"runId": "template-test"}
    )
    assert [(m["subject"], m["status"]) for m in mails["items"]] == [
        ("Order PO-7 confirmed", "SENT")
    ]


async def test_a_google_sheet_is_connected_through_the_vendors_consent(
    people: People, server: Server
) -> None:
    with Google() as google:
        google.sheets["sheet-1"] = [["Date", "Employee", "Amount"], ["2026-11-01", "Ann", 10]]
        google.sheets["archive"] = []
        page = await developer(people, "/studio/integrations/new")
        await page.get_by_role("combobox", name="Type").select_option(label="Google Sheets")
        await page.get_by_role("textbox", name="Name", exact=True).fill("Expenses sheet")
        settings = page.get_by_role("region", name="Settings")
        await settings.get_by_role("textbox", name="OAuth client ID").fill("client-id")
        await settings.get_by_label("OAuth client secret").fill("client-secret")
        await settings.get_by_role("textbox", name="API base URL").fill(google.url)
        await settings.get_by_role("textbox", name="OAuth authorize URL").fill(google.url + "/auth")
        await settings.get_by_role("textbox", name="OAuth token URL").fill(google.url + "/token")
        await settings.get_by_role("textbox", name="Spreadsheet ID").fill("sheet-1")
        await expect(settings.get_by_label("Refresh token")).to_have_count(0)
        await save(page)
        # The secret was shown as typed, once: now it is only said to be stored.
        await expect(page.get_by_label("Stored secrets")).to_contain_text("clientSecret: set")
        await expect(settings.get_by_label("OAuth client secret")).to_have_value("")
        assert "client-secret" not in await page.content()
        await page.get_by_role("button", name="Test connection").click()
        await expect(page.get_by_label("Connection test")).to_contain_text(
            "integration.not_connected"
        )

        # The consent: to Google's page and back, all in the browser.
        await page.get_by_role("button", name="Connect with Google Sheets").click()
        await expect(
            page.get_by_role("heading", name="ERP Builder wants to access")
        ).to_be_visible()
        await shoot(page, "studio-integration-consent")
        await page.get_by_role("link", name="Allow").click()
        await expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
        connection = page.get_by_role("region", name="Connection", exact=True)
        await expect(connection.get_by_text("Connected", exact=True)).to_be_visible()
        [asked] = google.consents
        assert asked["code_challenge_method"] == "S256" and asked["access_type"] == "offline"
        assert asked["redirect_uri"] == server.base + "/integrations/oauth/callback"
        await page.get_by_role("button", name="Test connection").click()
        await expect(page.get_by_label("Connection test")).to_contain_text("title: Expenses")
        await shoot(page, "studio-integration")
        assert await serious_violations(page) == []
        assert "refresh-from-code" not in await page.content()

        # A workflow copying new rows to the archive, its cursor shown after a sync.
        await page.get_by_role("link", name="New workflow").click()
        await expect(page.get_by_role("heading", name="New workflow")).to_be_visible()
        await page.get_by_role("textbox", name="Name", exact=True).fill("Archive new rows")
        runs_when = page.get_by_role("region", name="Runs when")
        await runs_when.get_by_role("combobox", name="Source").select_option(label="New rows")
        await runs_when.get_by_role("textbox", name="Range in A1 notation").fill("Sheet1")
        does = page.get_by_role("region", name="Does")
        await does.get_by_role("combobox", name="Action").select_option(label="Append rows")
        await does.get_by_role("textbox", name="Spreadsheet ID").fill("archive")
        await does.get_by_role("textbox", name="Rows (list of lists)").fill(
            '[["{{Date}}", "{{Employee}}", "{{Amount}}"]]'
        )
        await save(page)
        state = page.get_by_role("region", name="Sync state")
        await expect(state.get_by_label("Cursor")).to_contain_text("none yet")
        await state.get_by_role("button", name="Sync now").click()
        await expect(state.get_by_role("status")).to_contain_text("1 imported")
        await expect(state).to_contain_text("Items handed over: 1")
        await expect(state.get_by_label("Cursor")).not_to_contain_text("none yet")
        await shoot(page, "studio-integration-workflow")
        assert google.sheets["archive"] == [["2026-11-01", "Ann", 10]]


async def test_publishing_shows_the_changelog_and_proposed_version_first(
    people: People, server: Server
) -> None:
    headers = await acme_headers(server)
    await server.api(
        "POST",
        "/tables",
        DEVELOPER,
        headers=headers,
        json={
            "name": "vendors",
            "displayName": "Vendors",
            "schema": [{"id": "title", "type": "text", "label": "Title"}],
        },
    )
    page = await developer(people, "/studio/tables")
    row = page.get_by_role("row").filter(has_text="Vendors")
    await expect(row).to_contain_text("Never released")
    await row.get_by_role("link", name="Vendors").click()
    await page.get_by_role("button", name="Publish…").click()
    dialog = page.get_by_role("dialog", name="Publish")
    await expect(dialog.get_by_label("Proposed version")).to_have_text("1.0.0")
    await dialog.get_by_role("button", name="Confirm and publish").click()
    await expect(page.get_by_text("Same as release 1.0.0")).to_be_visible()

    await add_column(page, "Number", "Rating", "rating")
    await expect(page.get_by_role("button", name="Publish…")).to_be_disabled()  # save first
    await save(page)
    await expect(page.get_by_text("Changed since 1.0.0")).to_be_visible()
    await page.get_by_role("button", name="Publish…").click()
    await expect(dialog.get_by_label("Proposed version")).to_have_text("1.1.0")
    changelog = dialog.get_by_role("list", name="Changelog")
    await expect(changelog).to_contain_text("field Rating added")
    await expect(dialog).to_contain_text("A minor release")
    await expect(changelog).not_to_contain_text("description")  # nothing else changed
    await shoot(page, "studio-publish-changelog")
    await dialog.get_by_role("button", name="Confirm and publish").click()
    await expect(page.get_by_text("Same as release 1.1.0")).to_be_visible()
    await page.goto("/studio/tables")
    await expect(page.get_by_role("row").filter(has_text="Vendors")).to_contain_text(
        "Same as 1.1.0"
    )
    await shoot(page, "studio-tables-release-states")
    versions = await server.api(
        "GET",
        "/versions",
        DEVELOPER,
        headers=headers,
        params={
            "entityType": "CustomTable",
            "entityId": (await table_named(server, "vendors"))["id"],
        },
    )
    assert [v["version"] for v in versions["items"]] == ["1.1.0", "1.0.0"]
