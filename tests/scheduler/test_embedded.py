"""Embedded mode: on a SQLite file with no Redis, the API process's background side (relay,
trigger engine, scheduler daemon) is a working automation platform, the actions that write
to its database included."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.database import create_engine, session_factory
from core.demo import DEMO_PASSWORD
from core.migrate import upgrade
from core.models import ActionEffect, EventType, FlowInstance, TriggerExecutionStatus
from core.plugins.manager import get_plugins
from core.settings import load_settings
from core.tenancy import install_tenant_scoping
from tests.world.automation import (
    LEDGER,
    add_table,
    add_trigger,
    executions,
    expense,
    finance_flow,
    record,
    seeded_company,
)
from tests.world.processes import VENV_BIN
from tests.world.services import HttpReceiver, SmtpServer, eventually, free_port


async def test_embedded_mode_runs_triggers_and_schedules_without_redis(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'erp.db'}"
    await asyncio.to_thread(upgrade, make_url(url))  # Alembic runs its own event loop
    settings = load_settings(
        {"DATABASE_URL": url, "ERP_HTTP_ALLOW_PRIVATE": "true", "ERP_SCHEDULER_SYNC_SECONDS": "0.2"}
    )
    assert settings.embedded and settings.redis_url is None
    install_tenant_scoping()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    background = await get_plugins().start_services(settings, sessions)
    try:
        with HttpReceiver() as receiver:
            acme = await seeded_company(sessions)
            table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
            flow_id, approver = await finance_flow(sessions, acme)
            on_completion = await add_trigger(
                sessions,
                acme.company_id,
                actions=[
                    {"type": "http_request", "config": {"url": receiver.url + "/done"}},
                    {
                        "type": "create_record",
                        "config": {"tableId": table_id, "data": {"title": "x", "amount": 5}},
                    },
                    {
                        "type": "start_flow",
                        "config": {
                            "flowId": flow_id,
                            "initiatorId": acme.users["cfo"].id,
                            "passData": True,
                        },
                    },
                    {"type": "notify", "config": {"title": "Done", "userIds": [approver]}},
                ],
            )
            scheduled = await add_trigger(
                sessions,
                acme.company_id,
                event_type=EventType.SCHEDULED,
                event_config={"interval": {"seconds": 1}},
            )
            await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(5))

            [done] = await eventually(lambda: executions(sessions, on_completion))
            assert done.status is TriggerExecutionStatus.SUCCESS, done.error_message
            assert [r.path for r in receiver.requests] == ["/done"]
            # The actions that write to the database, on SQLite, each done once.
            async with sessions() as session:
                effects = sorted(
                    (await session.scalars(sa.select(ActionEffect.idempotency_key))).all()
                )
                instance = await session.get(
                    FlowInstance, done.actions_executed[2]["output"]["flowInstanceId"]
                )
            assert [key.rsplit(".", 1)[1] for key in effects] == ["1", "2", "3"]
            assert instance is not None and instance.context_data["field_2"] == 5
            assert done.actions_executed[3]["output"] == {"notified": [approver]}
            ticks = await eventually(lambda: _at_least(executions(sessions, scheduled), 2))
            assert all(t.event_data["triggerId"] == scheduled for t in ticks)
    finally:
        await background.stop()
        await engine.dispose()


async def _at_least(found, count: int):
    items = await found
    return items if len(items) >= count else None


async def test_erp_serve_alone_runs_the_seed_alert_on_sqlite(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """The real command on a fresh directory, as the README starts it (no DATABASE_URL, no
    REDIS_URL): the demo's employee submits an expense of 12,000 over HTTP, the seed's
    High-Value Alert emails the CFO through the in-process pipeline, and the flow completes."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(ERP_SMTP_HOST="127.0.0.1", ERP_SMTP_PORT=str(smtp.port), ERP_PUBLIC_URL=base)
    server = await asyncio.to_thread(_serve_fresh_directory, tmp_path, env, port)
    before = len(smtp.mailbox.messages)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            await eventually(lambda: _answers(http, server), within=30, every=0.2)
            employee, manager, finance = [
                await _sign_in(http, f"{who}@acme.com")
                for who in ("employee", "manager", "finance")
            ]
            receipt = await http.post(
                "/files",
                files={"file": ("receipt.pdf", b"%PDF-1.4", "application/pdf")},
                headers=employee,
            )
            flow = (await http.get("/flows/active", headers=employee)).json()["items"][0]
            started = await http.post(f"/flows/{flow['id']}/instances", json={}, headers=employee)
            instance = started.json()["id"]
            expense = {
                "Employee Name": "Eve Employee",
                "Amount": 12000,
                "Category": "Travel",
                "Receipt": receipt.json()["id"],
            }
            form = flow["levels"][0]["tasks"][0]["taskId"]
            submitted = await http.post(
                f"/flow-instances/{instance}/tasks/{form}",
                json={"data": expense, "levelOrder": 1},
                headers=employee,
            )
            assert submitted.status_code == 200, submitted.text

            [mail] = await eventually(lambda: _mail_since(smtp, before), within=30)
            assert mail["To"] == "cfo@acme.com"
            body = mail.get_payload(decode=True).decode()
            assert "Amount: $12000" in body
            assert f"Please review at: {base}/instances/{instance}" in body

            for who, level in ((manager, 2), (finance, 3)):
                [item] = (await http.get("/inbox", headers=who)).json()["items"]
                decided = await http.post(
                    f"/flow-instances/{instance}/tasks/{item['tasks'][0]['id']}",
                    json={"data": {"Decision": "Approved"}, "levelOrder": level},
                    headers=who,
                )
                assert decided.status_code == 200, decided.text
            view = (await http.get(f"/flow-instances/{instance}", headers=employee)).json()
            assert view["status"] == "COMPLETED"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        await asyncio.to_thread(server.wait, 15)
    output = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in output, output[-3000:]
    assert "execution_id=" in output  # the in-process pipeline logged the alert's execution


async def test_without_an_smtp_server_the_seed_alert_is_captured_in_the_mail_log(
    tmp_path: Path,
) -> None:
    """The README's fresh machine: `erp serve` on a new directory, no SMTP server and no
    ERP_SMTP_HOST. The 12,000 expense's High-Value Alert succeeds, saying the e-mail was
    captured, and the admin reads the CFO's e-mail in the mail log."""
    drop = ("DATABASE_URL", "REDIS_URL", "ERP_SMTP_HOST", "ERP_SMTP_PORT")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(ERP_PUBLIC_URL=base)
    server = await asyncio.to_thread(_serve_fresh_directory, tmp_path, env, port)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            await eventually(lambda: _answers(http, server), within=30, every=0.2)
            employee = await _sign_in(http, "employee@acme.com")
            admin = await _sign_in(http, "admin@acme.com")
            flow = (await http.get("/flows/active", headers=employee)).json()["items"][0]
            started = await http.post(f"/flows/{flow['id']}/instances", json={}, headers=employee)
            instance = started.json()["id"]
            receipt = await http.post(
                "/files",
                files={"file": ("receipt.pdf", b"%PDF-1.4", "application/pdf")},
                headers=employee,
            )
            expense = {
                "Employee Name": "Eve Employee",
                "Amount": 12000,
                "Category": "Travel",
                "Receipt": receipt.json()["id"],
            }
            form = flow["levels"][0]["tasks"][0]["taskId"]
            submitted = await http.post(
                f"/flow-instances/{instance}/tasks/{form}",
                json={"data": expense, "levelOrder": 1},
                headers=employee,
            )
            assert submitted.status_code == 200, submitted.text

            async def alert_ran() -> list[Any]:
                page = await http.get("/trigger-executions", headers=admin)
                items: list[Any] = page.json()["items"] if page.status_code == 200 else []
                return [e for e in items if e["conditionsMet"] and e["status"] != "RUNNING"]

            [execution] = await eventually(alert_ran, within=30, every=0.2)
            assert execution["status"] == "SUCCESS", execution
            [action] = execution["actionsExecuted"]
            assert action["output"]["status"] == "captured"
            assert "mail log" in action["output"]["note"]

            log = await http.get("/outgoing-emails", headers=admin)
            assert log.status_code == 200, log.text
            [mail] = log.json()["items"]
            assert mail["id"] == action["output"]["mailId"]
            assert (mail["to"], mail["status"], mail["attempts"]) == (
                ["cfo@acme.com"],
                "CAPTURED",
                1,
            )
            assert "Amount: $12000" in mail["body"]
            assert f"Please review at: {base}/instances/{instance}" in mail["body"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        await asyncio.to_thread(server.wait, 15)
    output = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in output and "Connection refused" not in output, output[-3000:]


def _serve_fresh_directory(directory: Path, env: dict[str, str], port: int) -> Any:
    """`erp db upgrade`, `erp demo`, then `erp serve` in `directory` (its log in serve.log)."""
    erp = str(VENV_BIN / "erp")
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([erp, *command], cwd=directory, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
    with (directory / "serve.log").open("wb") as log:
        return subprocess.Popen(
            [erp, "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def _answers(http: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> bool:
    assert server.poll() is None, "erp serve exited"
    try:
        return (await http.get("/health")).status_code == 200
    except httpx.TransportError:
        return False


async def _sign_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await http.post("/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def _mail_since(smtp: SmtpServer, before: int) -> list[Any]:
    return smtp.mailbox.messages[before:]
