"""Accounts in the browser: a forgotten password reset through the e-mailed link, and an
authenticator app set up on the Security page and then asked for at sign-in."""

from __future__ import annotations

import asyncio
import re
import time

import pyotp
from playwright.async_api import expect

from core.demo import DEMO_PASSWORD
from tests.world.browser import People, Server, serious_violations, shoot

NEW_PASSWORD = "a better passphrase"
FIRST_NEW = re.compile(r"^New password(?! again)")


async def reset_link_mailed(server: Server, to: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in server.smtp.mailbox.messages:
            if message["To"] == to and "reset" in str(message["Subject"]).lower():
                body = message.get_payload(decode=True).decode()
                found = re.search(r"(\S+/reset-password#token=\S+)", body)
                assert found, body
                return found.group(1)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no reset e-mail reached {to}")


async def test_a_forgotten_password_is_reset_through_the_emailed_link(
    people: People, server: Server
) -> None:
    page = await people.page()
    await page.goto("/sign-in")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert await serious_violations(page) == []
    await page.get_by_role("textbox", name="Email").fill("employee@acme.com")
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.get_by_role("status")).to_contain_text("Check your e-mail")
    await shoot(page, "forgot-password")

    link = await reset_link_mailed(server, "employee@acme.com")
    assert link.startswith(f"{server.base}/reset-password#token=")
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    await page.get_by_label(FIRST_NEW).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill("something else entirely")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    assert await serious_violations(page) == []
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_contain_text("Password changed")
    await shoot(page, "reset-password")

    await page.get_by_role("link", name="Sign in").click()
    await page.get_by_role("textbox", name="Email").fill("employee@acme.com")
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    await page.get_by_role("textbox", name="Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("navigation", name="Main").wait_for()

    # The link worked once.
    await page.goto(link)
    await page.get_by_label(FIRST_NEW).fill("a third passphrase")
    await page.get_by_label("New password again").fill("a third passphrase")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("alert")).to_contain_text("not valid, was used already")


async def test_an_authenticator_app_is_set_up_and_then_asked_for_at_sign_in(
    people: People, server: Server
) -> None:
    page = await people.signed_in("manager@acme.com")
    await page.get_by_role("link", name="Security").click()
    await expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    await page.get_by_label("Your password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Set up an authenticator app").click()
    secret = (await page.get_by_label("Authenticator key").text_content() or "").strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    step = int(time.time()) // 30
    await page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).at(step * 30))
    await page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    await expect(codes).to_have_count(10)
    assert await serious_violations(page) == []
    await shoot(page, "security-two-factor")

    await page.get_by_role("button", name=re.compile("^Account")).click()
    await page.get_by_role("menuitem", name="Sign out").click()
    await page.get_by_role("textbox", name="Email").fill("manager@acme.com")
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    await page.get_by_label("Code").fill("000000")
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("alert")).to_contain_text("not right")
    assert await serious_violations(page) == []
    await shoot(page, "sign-in-second-step")
    # The code of the step after the one that turned it on (the first is spent).
    await page.get_by_label("Code").fill(pyotp.TOTP(secret).at((step + 1) * 30))
    await page.get_by_role("button", name="Verify").click()
    await page.get_by_role("navigation", name="Main").wait_for()
    await expect(page.get_by_role("button", name=re.compile("^Account"))).to_be_visible()
