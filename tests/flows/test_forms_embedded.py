"""On the embedded SQLite file, through the API, with the demo data: an instance names its
definition and release and the definition can be read, start data is checked against the
flow's forms, and a task is submitted on its own."""

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


async def test_forms_on_embedded_sqlite(tmp_path: Path) -> None:
    url = parse_database_url(f"sqlite:///{tmp_path / 'erp.db'}")
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as session:
        await load_demo(session)
    await engine.dispose()
    settings = Settings(database_url=url, secret_key="e" * 40, files_dir=tmp_path / "files")
    async with AsyncTestClient(app=create_app(settings)) as client:
        employee = await sign_in(client, "employee@acme.com")
        flow = (await client.get("/flows/active", headers=employee)).json()["items"][0]
        start = f"/flows/{flow['id']}/instances"

        # Start data is checked against the forms it fills; nothing is started.
        refused = await client.post(
            start, json={"data": {"Amount": -1, "Colour": "red"}}, headers=employee
        )
        assert refused.status_code == 422, refused.text
        assert {e["path"]: e["code"] for e in refused.json()["errors"]} == {
            "field_2": "below_minimum",
            "Colour": "unknown_field",
        }
        listed = (await client.get("/flow-instances", headers=employee)).json()
        assert listed["total"] == 0

        started = await client.post(start, json={"data": {"Amount": 300}}, headers=employee)
        assert started.status_code == 201, started.text
        instance = started.json()
        assert instance["contextData"] == {"field_2": 300, "Amount": 300}

        # The instance names its definition (no release: version null), which can be read.
        assert instance["version"] is None
        [row] = (await client.get("/flow-instances", headers=employee)).json()["items"]
        assert (row["definitionId"], row["version"]) == (instance["definitionId"], None)
        definition = await client.get(
            f"/flow-definitions/{instance['definitionId']}", headers=employee
        )
        assert definition.status_code == 200, definition.text
        [form] = definition.json()["levels"][0]["tasks"]
        assert [f["label"] for f in form["fields"]] == [
            "Employee Name",
            "Amount",
            "Category",
            "Receipt",
        ]

        # The expense form used on its own: validated, stored, listed back.
        task_id = definition.json()["levels"][0]["tasks"][0]["id"]
        submit = f"/tasks/{task_id}/executions"
        refused = await client.post(submit, json={"data": {"Amount": -1}}, headers=employee)
        assert refused.status_code == 422, refused.text
        assert "field_2" in {e["path"] for e in refused.json()["errors"]}
        receipt = await client.post(
            "/files",
            files={"file": ("receipt.pdf", b"%PDF-1.4", "application/pdf")},
            headers=employee,
        )
        values = {"Employee Name": "Eve", "Amount": 80, "Category": "Travel"}
        submitted = await client.post(
            submit,
            json={"data": {**values, "Receipt": receipt.json()["id"]}},
            headers=employee,
        )
        assert submitted.status_code == 201, submitted.text
        mine = (await client.get("/task-executions", headers=employee)).json()
        assert [i["id"] for i in mine["items"]] == [submitted.json()["id"]]
        one = await client.get(f"/task-executions/{submitted.json()['id']}", headers=employee)
        assert one.json()["data"]["field_2"] == 80
