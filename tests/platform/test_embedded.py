"""Embedded mode is a real platform: on the SQLite file, with the demo data, people sign in,
upload a receipt, run the expense flow, keep records and test rules through the API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.testing import AsyncTestClient

from api.app import create_app
from core.database import create_engine, session_factory, transaction
from core.demo import load_demo
from core.migrate import upgrade
from core.settings import Settings, parse_database_url
from tests.world.app import sign_in


async def test_embedded_platform_runs_the_expense_flow(tmp_path: Path) -> None:
    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as session:
        await load_demo(session)
    await engine.dispose()
    settings = Settings(database_url=url, secret_key="e" * 40, files_dir=tmp_path / "files")
    async with AsyncTestClient(app=create_app(settings)) as client:
        employee = await sign_in(client, "employee@acme.com")
        manager = await sign_in(client, "manager@acme.com")
        admin = await sign_in(client, "admin@acme.com")

        receipt = await client.post(
            "/files",
            files={"file": ("receipt.pdf", b"%PDF-1.4", "application/pdf")},
            headers=employee,
        )
        assert receipt.status_code == 201, receipt.text
        flow = (await client.get("/flows/active", headers=employee)).json()["items"][0]
        form = flow["levels"][0]["tasks"][0]
        started = await client.post(f"/flows/{flow['id']}/instances", json={}, headers=employee)
        assert started.status_code == 201, started.text
        instance = started.json()["id"]
        submitted = await client.post(
            f"/flow-instances/{instance}/tasks/{form['taskId']}",
            json={
                "data": {
                    "field_1": "Eve Employee",
                    "field_2": 450,
                    "field_3": "Travel",
                    "field_4": receipt.json()["id"],
                }
            },
            headers=employee,
        )
        assert submitted.status_code == 200, submitted.text
        inbox = (await client.get("/inbox", headers=manager)).json()
        assert instance in str(inbox)
        state = (await client.get(f"/flow-instances/{instance}", headers=admin)).json()
        assert state["currentLevelOrder"] == 2 and state["status"] == "IN_PROGRESS"

        table = await client.post(
            "/tables",
            json={
                "name": "suppliers",
                "displayName": "Suppliers",
                "schema": [{"id": "name", "type": "text", "label": "Name", "required": True}],
            },
            headers=admin,
        )
        assert table.status_code == 201, table.text
        record = await client.post(
            f"/tables/{table.json()['id']}/records",
            json={"data": {"name": "Initech"}},
            headers=admin,
        )
        assert record.status_code == 201, record.text

        rule = await client.post(
            "/rules/evaluate",
            json={"rule": {">": [{"var": "amount"}, 10000]}, "data": {"amount": 12000}},
            headers=employee,
        )
        assert rule.json()["result"] is True
