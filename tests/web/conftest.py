"""Browser tests: Debian's Chromium driven by Playwright against a real `erp serve` (the built
web app and the API in one process) on a PostgreSQL database of its own, with the demo data
and a loopback SMTP server. Screenshots of the pages go to tests/web/screenshots/."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from api.webapp import DIST
from core.migrate import upgrade
from tests.world.browser import CHROMIUM, People, Server, erp_command, wait_until_up
from tests.world.databases import admin_execute, fresh_database, worker_id
from tests.world.services import SmtpServer, free_port


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """`erp serve` with the demo data on a database of this module's own (in-process
    automation, no Redis), its e-mail going to a loopback SMTP server; a module's `SERVER_ENV`
    adds settings of its own."""
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
        env.update(getattr(request.module, "SERVER_ENV", {}))
        demo = subprocess.run([erp_command(), "demo"], cwd=directory, env=env, capture_output=True)
        assert demo.returncode == 0, demo.stderr.decode()
        log = (directory / "serve.log").open("wb")
        process = subprocess.Popen(
            [erp_command(), "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(base, process)
            yield Server(base, smtp)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
            log.close()
            admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    output = (directory / "serve.log").read_text()
    assert "Traceback" not in output, output[-3000:]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


@pytest.fixture
async def people(browser: Browser, server: Server) -> AsyncIterator[People]:
    crowd = People(browser, server)
    yield crowd
    for context in crowd.contexts:
        await context.close()
