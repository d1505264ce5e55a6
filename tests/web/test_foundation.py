"""The app is served by `erp serve` beside the API: page loads get the app, API calls get
the API; a deep link survives signing in; tokens refresh in the background; sign-out ends
the session; a developer picks the company they act in."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.world.browser import PHONE, People, Server, serious_violations, shoot, sign_in


async def test_pages_and_api_share_paths_by_what_is_asked_for(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base) as http:
        page = await http.get("/inbox", headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<div id="root">' in page.text
        deep = await http.get("/records/some/table", headers={"Accept": "text/html"})
        assert deep.status_code == 200 and '<div id="root">' in deep.text

        api = await http.get("/inbox")
        assert api.status_code == 401
        assert api.headers["content-type"].startswith("application/problem+json")
        assert (await http.get("/nothing-here")).status_code == 404
        assert (await http.get("/health")).json()["status"] == "ok"
        docs = await http.get("/schema", headers={"Accept": "text/html"})
        assert '<div id="root">' not in docs.text  # the API's own documentation page

        script = page.text.split('src="', 1)[1].split('"', 1)[0]
        asset = await http.get(script)
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        # Compressed for those who accept it (httpx does, and unpacks it), whole for others.
        assert asset.headers["content-encoding"] == "gzip"
        assert int(asset.headers["content-length"]) < len(asset.content) / 2
        plain = await http.get(script, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == asset.content


async def test_a_deep_link_survives_signing_in(people: People, server: Server) -> None:
    page = await people.page()
    await page.goto("/notifications?unread=1")
    await expect(page).to_have_url(f"{server.base}/sign-in?next=%2Fnotifications%3Funread%3D1")
    await expect(page.get_by_text("Sign in to continue to the page you opened.")).to_be_visible()
    assert await serious_violations(page) == []
    await shoot(page, "sign-in")

    await page.get_by_role("textbox", name="Email").fill("employee@acme.com")
    await page.get_by_role("textbox", name="Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Could not sign in")

    await sign_in(page, "employee@acme.com")
    await expect(page).to_have_url(f"{server.base}/notifications?unread=1")
    await expect(page.get_by_role("heading", name="Notifications")).to_be_visible()

    phone = await people.page(PHONE)
    await phone.goto("/")
    await shoot(phone, "sign-in-phone")


async def test_tokens_refresh_in_the_background_and_sign_out_ends_the_session(
    people: People, server: Server
) -> None:
    page = await people.signed_in("employee@acme.com", "/inbox")
    first = await page.evaluate(
        "() => JSON.parse(localStorage.getItem('erp.session')).refreshToken"
    )
    # The access token lives 75 s; the app renews it a minute before it expires.
    await page.wait_for_function(
        "first => JSON.parse(localStorage.getItem('erp.session')).refreshToken !== first",
        arg=first,
        timeout=40_000,
    )
    await page.reload()
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    await expect(page.get_by_text("pending ·")).to_be_visible()  # the renewed token works

    await page.get_by_role("button", name="Account").click()
    await page.get_by_role("menuitem", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to ERP Builder")).to_be_visible()
    await page.goto("/inbox")
    await expect(page).to_have_url(f"{server.base}/sign-in?next=%2Finbox")
    async with httpx.AsyncClient(base_url=server.base) as http:
        refused = await http.post("/auth/refresh", json={"refreshToken": first})
    assert refused.status_code == 401  # rotated, and the last one revoked at sign-out


async def test_a_developer_chooses_the_company_they_act_in(people: People) -> None:
    page = await people.signed_in("developer@erpbuilder.com")
    await expect(page.get_by_role("heading", name="Choose a company")).to_be_visible()
    await page.get_by_role("combobox", name="Company you act in").select_option(
        label="Acme Corporation"
    )
    await expect(page.get_by_role("heading", name="Start a request")).to_be_visible()
    await expect(page.get_by_role("button", name="Start Expense Approval Workflow")).to_be_visible()
    assert await serious_violations(page) == []
    await shoot(page, "home-developer")
