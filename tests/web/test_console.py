"""The operations console in a real browser, against `erp serve` in scaled mode (its own Redis,
an `erp relay` and a Celery worker): a developer publishes a change of the expense flow as
1.1.0, previews a 50% rollout over twenty client companies and checks that the preview names
exactly the companies that then resolve to 1.1.0 through the API; a failed execution is read
(its explanation) and retried to success; an instance waiting on 1.0.0 moves onto 1.1.0 with
a level mapped by hand; 1.1.0 is rolled back and found in the audit trail; the outbox backlog
rises while the worker is stopped and falls once it is back.

The tests of this module run in order and build on one another (the release of the first is
what the others act on)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from api.webapp import DIST
from core.migrate import upgrade
from tests.web.steps import eventually
from tests.world.browser import (
    People,
    Server,
    erp_command,
    serious_violations,
    shoot,
    wait_until_up,
)
from tests.world.databases import admin_execute, fresh_database, worker_id
from tests.world.processes import Process, RedisServer, background_env, celery_worker, erp_relay
from tests.world.services import HttpReceiver, SmtpServer, free_port

DEV = "developer@erpbuilder.com"
ADMIN = "admin@acme.com"
EMPLOYEE = "employee@acme.com"
FLOW = "Expense Approval Workflow"
STATE: dict[str, Any] = {}
"""What the tests of this module hand on: ids of the flow, its versions, the instances."""


@dataclass
class Scaled(Server):
    worker: Process
    receiver: HttpReceiver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    """`erp serve`, `erp relay` and a Celery worker on a database and a Redis of this module's
    own, with the demo data; outbound HTTP may reach the loopback receiver."""
    assert (DIST / "index.html").is_file(), "the web app is not built: run `make web` first"
    name = f"erp_web_{worker_id()}_console"
    url = fresh_database(name)
    upgrade(url)
    directory = tmp_path_factory.mktemp("console")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    redis = RedisServer().start()
    with SmtpServer() as smtp, HttpReceiver() as receiver:
        env = background_env(
            url,
            redis.url,
            ERP_FILES_DIR=str(directory / "files"),
            ERP_SMTP_PORT=str(smtp.port),
            ERP_PUBLIC_URL=base,
            ERP_ACCESS_TOKEN_TTL="300",
        )
        demo = subprocess.run([erp_command(), "demo"], cwd=directory, env=env, capture_output=True)
        assert demo.returncode == 0, demo.stderr.decode()
        relay = erp_relay(env).start()
        worker = celery_worker(env).start(within=60)
        log = (directory / "serve.log").open("wb")
        serve = subprocess.Popen(
            [erp_command(), "serve", "--port", str(port)],
            cwd=directory,
            env={**env, "ERP_LOG_LEVEL": "WARNING"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(base, serve)
            yield Scaled(base, smtp, worker, receiver)
        finally:
            os.killpg(serve.pid, signal.SIGTERM)
            serve.wait(20)
            log.close()
            worker.stop()
            relay.stop()
            redis.stop()
            admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    output = (directory / "serve.log").read_text()
    assert "Traceback" not in output, output[-3000:]


async def as_dev(server: Server, method: str, path: str, **kw: Any) -> Any:
    """A developer's call acting in Acme."""
    headers = {"X-Company-Id": STATE["acme"]} if "acme" in STATE else {}
    return await server.api(method, path, DEV, headers=headers, **kw)


async def resolved(server: Server, company_id: str) -> tuple[str, str]:
    seen = await as_dev(
        server,
        "GET",
        "/versions/resolve",
        params={"entityType": "Flow", "entityId": STATE["flow"], "companyId": company_id},
    )
    return seen["version"]["version"], seen["reason"]


async def start_expense(server: Scaled, amount: int) -> str:
    """The employee starts the expense flow and submits its first form; the instance's id."""
    instance = await server.api("POST", f"/flows/{STATE['flow']}/instances", EMPLOYEE, json={})
    async with httpx.AsyncClient(base_url=server.base) as http:
        uploaded = await http.post(
            "/files",
            files={"file": ("receipt.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf")},
            headers=await server.token(EMPLOYEE),
        )
    assert uploaded.status_code == 201, uploaded.text
    data = {
        "Employee Name": "Eve Employee",
        "Amount": amount,
        "Category": "Travel",
        "Receipt": uploaded.json()["id"],
    }
    await server.api(
        "POST",
        f"/flow-instances/{instance['id']}/tasks/{STATE['form']}",
        EMPLOYEE,
        json={"data": data},
    )
    return str(instance["id"])


async def developer_in_acme(people: People, path: str) -> Page:
    page = await people.signed_in(DEV)
    await page.get_by_role("combobox", name="Company you act in").select_option(
        label="Acme Corporation"
    )
    await page.goto(path)
    await page.get_by_role("navigation", name="Main").wait_for()
    return page


async def pick(page: Page, scope: Page | Locator, select: str, option: str) -> None:
    """Choose an option of a Mantine select by its label."""
    await scope.get_by_role("combobox", name=select, exact=True).click()
    listbox = page.get_by_role("listbox", name=select, exact=True)
    await listbox.get_by_role("option", name=option, exact=True).click()


async def clean(page: Page) -> None:
    assert await serious_violations(page) == []


async def test_a_rollout_preview_names_the_companies_that_then_see_the_version(
    people: People, server: Scaled
) -> None:
    companies = await server.api("GET", "/companies?limit=200", DEV)
    STATE["acme"] = next(c["id"] for c in companies["items"] if c["name"] == "Acme Corporation")
    for n in range(1, 21):
        await as_dev(server, "POST", "/companies", json={"name": f"Client {n:02}"})
    flows = await as_dev(server, "GET", "/flows")
    flow = next(f for f in flows["items"] if f["name"] == FLOW)
    STATE["flow"] = flow["id"]
    tasks = await as_dev(server, "GET", "/tasks?limit=200")
    STATE["form"] = next(t["id"] for t in tasks["items"] if t["name"] == "Expense Approval Form")
    body = {"entityType": "Flow", "entityId": flow["id"]}
    v1 = await as_dev(server, "POST", "/versions", json=body)
    await as_dev(server, "POST", f"/versions/{v1['id']}/status", json={"status": "STABLE"})
    STATE["v1"] = v1["id"]
    # Work started now runs 1.0.0 and waits at the manager's review.
    STATE["waiting"] = await start_expense(server, amount=700)

    # The change: a trigger on the flow, calling a service for expenses above 1,000.
    await as_dev(
        server,
        "POST",
        "/triggers",
        json={
            "name": "Notify the expense service",
            "eventType": "TASK_COMPLETED",
            "flowId": flow["id"],
            "conditions": {
                "operator": "AND",
                "rules": [{"field": "Amount", "operator": "greater_than", "value": 1000}],
            },
            "actions": [
                {
                    "type": "http_request",
                    "config": {
                        "method": "POST",
                        "url": f"{server.receiver.url}/expenses",
                        "body": {"amount": "{{ amount }}"},
                    },
                }
            ],
        },
    )
    v2 = await as_dev(server, "POST", "/versions", json=body)
    assert v2["version"] == "1.1.0" and v2["changes"] == "1 trigger added."
    STATE["v2"] = v2["id"]

    page = await developer_in_acme(people, f"/console/releases?type=Flow&entity={flow['id']}")
    versions = page.get_by_role("table", name="Versions")
    await expect(versions.get_by_role("link", name="Version 1.1.0")).to_be_visible()
    changelog = page.get_by_role("table", name="Changelog")
    await expect(changelog).to_contain_text("trigger Notify the expense service")
    await shoot(page, "console-releases")
    await clean(page)

    await versions.get_by_role("link", name="Version 1.1.0").click()
    await expect(page.get_by_role("heading", name=f"{FLOW} 1.1.0")).to_be_visible()
    await page.get_by_role("textbox", name="Rollout percentage").fill("50")
    summary = page.get_by_role("status").filter(has_text="With 50% and 0 pinned")
    await expect(summary).to_be_visible()
    table = page.get_by_role("table", name="Companies and the version they see")
    await expect(table.locator("tbody tr")).to_have_count(21)
    entering = set(await table.locator("tbody tr[data-enters] td:first-child").all_inner_texts())
    assert 0 < len(entering) < 21  # 50% of 21 stable hashes: some, not all
    assert f"({len(entering)} enter, 0 leave)" in (await summary.inner_text())
    await shoot(page, "console-rollout-preview")
    await clean(page)

    await page.get_by_role("button", name="Apply rollout").click()
    await expect(
        page.get_by_text(f"Now {len(entering)} of 21 companies see 1.1.0.")
    ).to_be_visible()
    names = {
        c["id"]: c["name"] for c in (await server.api("GET", "/companies?limit=200", DEV))["items"]
    }
    for company_id, company_name in names.items():
        version, reason = await resolved(server, company_id)
        expected = ("1.1.0", "rollout") if company_name in entering else ("1.0.0", "stable")
        assert (version, reason) == expected, company_name

    # Acme, which builds the flow, takes part from now on whatever its bucket.
    await pick(page, page, "Pinned companies", "Acme Corporation")
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("status").filter(has_text="1 pinned")).to_be_visible()
    await page.get_by_role("button", name="Apply rollout").click()
    await eventually(
        lambda: resolved(server, STATE["acme"]), lambda seen: seen == ("1.1.0", "pinned")
    )
    await expect(page.get_by_role("button", name="Apply rollout")).to_be_disabled()
    await expect(page.get_by_label("Watchdog")).to_contain_text("pauses a published version")
    await shoot(page, "console-version")


async def test_a_failed_execution_is_explained_and_retried_to_success(
    people: People, server: Scaled
) -> None:
    server.receiver.statuses = [500]  # the service fails once
    STATE["failing"] = await start_expense(server, amount=5000)
    failed = await eventually(
        lambda: as_dev(server, "GET", "/trigger-executions?status=FAILED"),
        lambda page: page["total"] == 1,
        seconds=30,
    )
    [execution] = failed["items"]

    page = await developer_in_acme(people, "/console/executions")
    await expect(page.get_by_role("table", name="Executions", exact=True)).to_contain_text("FAILED")
    await pick(page, page, "Status", "FAILED")
    rows = page.get_by_role("table", name="Executions", exact=True).locator("tbody tr")
    await expect(rows).to_have_count(1)
    await shoot(page, "console-executions")
    await clean(page)
    await rows.first.get_by_role("link").click()
    await expect(page).to_have_url(f"{server.base}/console/executions/{execution['id']}")
    explanation = page.get_by_role("region", name="Explanation")
    await expect(explanation).to_contain_text(re.compile(r"\(5000\) > 1000"))
    await expect(explanation).to_contain_text("held")
    actions = page.get_by_role("table", name="Actions", exact=True)
    await expect(actions).to_contain_text("http_request")
    await expect(actions).to_contain_text("failed")
    await expect(page.get_by_label("Event data")).to_contain_text(STATE["failing"])
    await shoot(page, "console-execution")
    await clean(page)

    await page.get_by_role("button", name="Retry").click()
    retried = page.get_by_role("status").filter(has_text="Retried")
    await expect(retried).to_contain_text("SUCCESS", timeout=30_000)
    assert [r.path for r in server.receiver.requests] == ["/expenses", "/expenses"]


async def test_a_waiting_instance_moves_onto_the_new_version_with_a_level_map(
    people: People, server: Scaled
) -> None:
    page = await developer_in_acme(people, f"/console/versions/{STATE['v2']}")
    running = page.get_by_role("table", name="Running instances")
    await expect(running.locator("tbody tr")).to_have_count(2)
    waiting = running.locator("tr", has_text=STATE["waiting"][:8])
    await expect(waiting).to_contain_text("2. Manager Review")
    await expect(waiting).to_contain_text("1.0.0")

    migrate = page.get_by_role("region", name="Migrate onto 1.1.0")
    await pick(page, migrate, "New level for Manager Review", "3. Finance Approval")
    await migrate.get_by_role("button", name="Dry run").click()
    dry = migrate.get_by_role("region", name="Dry run")
    await expect(dry).to_contain_text("1 would move, 0 cannot")
    await expect(dry).to_contain_text("2. Manager Review → 3. Finance Approval")
    await shoot(page, "console-migration")
    await clean(page)
    await migrate.get_by_role("button", name="Migrate 1 instance").click()
    await expect(migrate.get_by_role("status")).to_contain_text("Moved 1 instance onto 1.1.0")

    instance = await server.api("GET", f"/flow-instances/{STATE['waiting']}", ADMIN)
    assert (instance["currentLevelOrder"], instance["version"]) == (3, "1.1.0")
    await expect(running.locator("tr", has_text=STATE["waiting"][:8])).to_contain_text(
        "3. Finance Approval"
    )


async def test_rolling_back_and_finding_it_in_the_audit_trail(
    people: People, server: Scaled
) -> None:
    page = await developer_in_acme(people, f"/console/versions/{STATE['v2']}")
    await page.get_by_role("button", name="Roll back…").click()
    dialog = page.get_by_role("dialog", name="Roll back 1.1.0?")
    await expect(dialog).to_contain_text("takes over for every company at once")
    await dialog.get_by_role("button", name="Roll back now").click()
    await expect(page.get_by_role("heading", name=f"{FLOW} 1.0.0")).to_be_visible()
    await expect(page.get_by_text("Now 21 of 21 companies see 1.0.0.")).to_be_visible()
    companies = (await server.api("GET", "/companies?limit=200", DEV))["items"]
    for company in companies:
        assert await resolved(server, company["id"]) == ("1.0.0", "stable"), company["name"]

    await page.get_by_role("tab", name="Audit trail").click()
    await pick(page, page, "Entity", "Version")
    await page.get_by_role("textbox", name="Entity id").fill(STATE["v2"])
    entries = page.get_by_role("table", name="Audit entries")
    rolled_back = entries.locator("tbody tr", has_text="version.rolled_back")
    await expect(rolled_back).to_have_count(1)
    await expect(rolled_back).to_contain_text("status")
    await expect(rolled_back).to_contain_text("PUBLISHED")
    await expect(rolled_back).to_contain_text("DEPRECATED")
    await expect(entries.locator("tbody tr", has_text="version.rollout_changed")).to_have_count(2)
    await shoot(page, "console-audit")
    await clean(page)


async def test_the_outbox_backlog_rises_while_the_worker_is_stopped(
    people: People, server: Scaled
) -> None:
    page = await developer_in_acme(people, "/console/system")
    backlog = page.get_by_role("region", name="Outbox backlog")
    await expect(backlog).to_contain_text(
        "0 waiting for the relay, 0 with the broker", timeout=30_000
    )
    processes = page.get_by_role("table", name="Processes", exact=True)
    await expect(processes).to_contain_text("relay")
    await expect(processes).to_contain_text("worker")
    await expect(page.get_by_role("table", name="Plugins", exact=True)).to_contain_text("loaded")

    server.worker.stop()
    for _ in range(3):
        await server.api("POST", f"/flows/{STATE['flow']}/instances", EMPLOYEE, json={})
    # Their events (the flows started, the tasks they ask for) wait for a worker.
    await expect(backlog).to_contain_text(re.compile(r"[1-9]\d* with the broker"), timeout=30_000)
    await shoot(page, "console-system")
    await clean(page)

    server.worker.start(within=60)
    await expect(backlog).to_contain_text(
        "0 waiting for the relay, 0 with the broker", timeout=60_000
    )
