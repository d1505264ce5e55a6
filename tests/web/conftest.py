"""Browser tests: Debian's Chromium driven by Playwright against a real `erp serve` (the built
web app and the API in one process) on a PostgreSQL database of its own, with the demo data
and a loopback SMTP server. Screenshots of the pages go to tests/web/screenshots/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from api.webapp import DIST
from core.demo import DEMO_PASSWORD
from core.migrate import upgrade
from tests.world.databases import admin_execute, fresh_database, worker_id
from tests.world.services import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
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


def _erp() -> str:
    return str(Path(sys.executable).parent / "erp")


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """`erp serve` with the demo data on a database of this module's own (in-process
    automation, no Redis), its e-mail going to a loopback SMTP server."""
    assert (DIST / "index.html").is_file(), "the web app is not built: run `make web` first"
    name = f"erp_web_{worker_id()}_{request.module.__name__.rsplit('.', 1)[-1]}"[:63]
    url = fresh_database(name)
    upgrade(url)
    directory = tmp_path_factory.mktemp("serve")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with SmtpServer() as smtp:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        env.update(
            DATABASE_URL=url.render_as_string(hide_password=False),
            ERP_SECRET_KEY="w" * 40,
            ERP_FILES_DIR=str(directory / "files"),
            ERP_SMTP_HOST="127.0.0.1",
            ERP_SMTP_PORT=str(smtp.port),
            ERP_PUBLIC_URL=base,
            ERP_LOG_LEVEL="WARNING",
            # Short-lived access tokens: the app refreshes them in the background while the
            # tests run (a minute before expiry, so every 15 seconds here).
            ERP_ACCESS_TOKEN_TTL="75",
        )
        demo = subprocess.run([_erp(), "demo"], cwd=directory, env=env, capture_output=True)
        assert demo.returncode == 0, demo.stderr.decode()
        log = (directory / "serve.log").open("wb")
        process = subprocess.Popen(
            [_erp(), "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_up(base, process)
            yield Server(base, smtp)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
            log.close()
            admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    output = (directory / "serve.log").read_text()
    assert "Traceback" not in output, output[-3000:]


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert process.poll() is None, "erp serve exited"
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("erp serve did not answer within a minute")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


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


@pytest.fixture
async def people(browser: Browser, server: Server) -> AsyncIterator[People]:
    crowd = People(browser, server)
    yield crowd
    for context in crowd.contexts:
        await context.close()


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
