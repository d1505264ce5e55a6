"""What the browser tests share: the served platform, people in their own browser contexts,
signing in, screenshots and accessibility checks (the fixtures are tests/web/conftest.py's)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from core.demo import DEMO_PASSWORD
from tests.world.services import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "web" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Server:
    base: str
    smtp: SmtpServer

    async def token(self, email: str) -> dict[str, str]:
        async with httpx.AsyncClient(base_url=self.base) as http:
            response = await http.post(
                "/auth/login", json={"email": email, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['accessToken']}"}

    async def api(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        headers = await self.token(who) if "@" in who else {}
        headers.update(kwargs.pop("headers", {}))
        async with httpx.AsyncClient(base_url=self.base, timeout=20) as http:
            response = await http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, (method, path, response.text)
        return response.json() if response.content else None


def erp_command() -> str:
    return str(Path(sys.executable).parent / "erp")


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert process.poll() is None, "erp serve exited"
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("erp serve did not answer within a minute")


class People:
    """Browser contexts, one per person (each its own storage: its own session)."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []

    async def page(self, viewport: dict[str, int] = DESKTOP) -> Page:
        context = await self.browser.new_context(viewport=viewport, base_url=self.server.base)
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        return await context.new_page()

    async def signed_in(
        self, email: str, path: str = "/", viewport: dict[str, int] = DESKTOP
    ) -> Page:
        page = await self.page(viewport)
        await page.goto(path)
        await sign_in(page, email)
        return page


async def sign_in(page: Page, email: str) -> None:
    await page.get_by_role("textbox", name="Email").fill(email)
    await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("navigation", name="Main").wait_for()


async def shoot(page: Page, name: str) -> None:
    """A full-page screenshot for reviewers (tests/web/screenshots, not committed)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    # Not "networkidle": the live event stream stays open. Let loaders and fonts settle.
    await page.wait_for_load_state("load")
    await page.locator("[aria-label=Loading]").first.wait_for(state="detached")
    await page.wait_for_timeout(300)
    # From the top: the fixed header would otherwise land mid-page in a full-page shot.
    await page.evaluate("() => window.scrollTo(0, 0)")
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical accessibility violations on the page as it is."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        f" ({v['nodes'][0].get('failureSummary', '')[:300]})"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
