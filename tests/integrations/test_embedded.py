"""Embedded mode on SQLite: the API process's background side runs integration workflows too
(an approved expense's FLOW_COMPLETED event becomes a Sheets row, once)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.database import create_engine, session_factory, transaction
from core.migrate import upgrade
from core.models import EventType, IntegrationRun, IntegrationWorkflow
from core.plugins.manager import get_plugins
from core.settings import load_settings
from core.tenancy import install_tenant_scoping
from core.vault import SecretBox
from tests.integrations.google_server import Google
from tests.world.automation import record, seeded_company
from tests.world.integrations import add_integration, sheets_config
from tests.world.services import eventually


async def test_embedded_mode_runs_event_workflows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'erp.db'}"
    await asyncio.to_thread(upgrade, make_url(url))
    settings = load_settings(
        {
            "DATABASE_URL": url,
            "ERP_HTTP_ALLOW_PRIVATE": "true",
            "ERP_INTEGRATION_POLL_SECONDS": "0.2",
            "ERP_SCHEDULER_SYNC_SECONDS": "60",
        }
    )
    install_tenant_scoping()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    box = SecretBox.from_settings(settings)
    background = await get_plugins().start_services(settings, sessions)
    try:
        with Google() as google:
            acme = await seeded_company(sessions)
            sheet = await add_integration(
                sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
            )
            async with transaction(sessions) as session:
                session.add(
                    IntegrationWorkflow(
                        company_id=acme.company_id,
                        name="Approved to sheet",
                        integration_id=sheet,
                        trigger_config={"type": "event", "eventType": "FLOW_COMPLETED"},
                        action_config={
                            "action": "append_rows",
                            "inputs": {"rows": [["{{employee}}", "{{amount}}"]]},
                        },
                    )
                )
            await asyncio.sleep(0.01)  # the event comes after the workflow (timestamps)
            await record(
                sessions,
                acme.company_id,
                EventType.FLOW_COMPLETED,
                {"data": {"employee": "Jane", "amount": 70}},
            )

            async def appended() -> list:
                return google.sheets["sheet-1"][1:]

            assert await eventually(appended) == [["Jane", 70]]
            # Several more polling rounds (each logs a sync) append nothing more.
            runs = await eventually(lambda: _syncs(sessions, at_least=4))
            assert sum(r.items for r in runs) == 1
            assert len(google.sheets["sheet-1"]) == 2
    finally:
        await background.stop()
        await engine.dispose()


async def _syncs(sessions, *, at_least: int) -> list:
    async with sessions() as session:
        runs = (
            await session.scalars(
                sa.select(IntegrationRun)
                .where(IntegrationRun.kind == "sync")
                .order_by(IntegrationRun.started_at)
            )
        ).all()
    return list(runs) if len(runs) >= at_least else []
