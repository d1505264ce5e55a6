"""The integrations side of the test world: integrations saved as the API saves them
(checked, secrets sealed), a Google Sheets configuration against the local Google, and the
supplier-mail workflow (Gmail messages into a custom table)."""

from __future__ import annotations

from typing import Any

from core.database import transaction
from core.integrations.runner import integration_type
from core.integrations.secrets import prepare_config
from core.models import CustomTable, Integration, IntegrationType, IntegrationWorkflow
from core.vault import SecretBox
from tests.integrations.google_server import Google


async def add_integration(
    sessions: Any, box: SecretBox, company_id: str, type_: str, config: dict[str, Any]
) -> str:
    """Save an integration the way the API does: checked, secrets sealed."""
    sealed = prepare_config(integration_type(type_), {}, config, box)
    async with transaction(sessions) as session:
        row = Integration(
            company_id=company_id, name=type_.title(), type=IntegrationType(type_), config=sealed
        )
        session.add(row)
        await session.flush()
        return row.id


def sheets_config(google: Google, **extra: Any) -> dict[str, Any]:
    google.sheets.setdefault("sheet-1", [["Date", "Employee", "Amount"]])
    return {
        "clientId": "client-id",
        "clientSecret": "client-secret",
        "refreshToken": "good-refresh-token",
        "spreadsheetId": "sheet-1",
        "apiBaseUrl": google.url,
        "tokenUrl": google.url + "/token",
        "authorizeUrl": google.url + "/auth",
        **extra,
    }


SUPPLIER = "Globex Billing <billing@globex.example>"


async def supplier_mail_workflow(
    sessions: Any, box: SecretBox, acme: Any, google: Google, *, table_schema: Any = None
) -> tuple[str, str]:
    gmail = await add_integration(
        sessions,
        box,
        acme.company_id,
        "GMAIL",
        {k: v for k, v in sheets_config(google).items() if k != "spreadsheetId"},
    )
    async with transaction(sessions) as session:
        table = CustomTable(
            company_id=acme.company_id,
            name="supplier_mail",
            display_name="Supplier mail",
            schema=table_schema
            or [
                {"id": "subject", "type": "text", "label": "Subject", "required": True},
                {"id": "sender", "type": "text", "label": "Sender"},
                {"id": "messageId", "type": "text", "label": "Message"},
            ],
        )
        session.add(table)
        await session.flush()
        workflow = IntegrationWorkflow(
            company_id=acme.company_id,
            name="Supplier invoices",
            integration_id=gmail,
            trigger_config={
                "type": "source",
                "source": "new_messages",
                "config": {"query": "from:billing@globex.example"},
                "intervalSeconds": 60,
            },
            action_config={
                "platformAction": "create_record",
                "config": {
                    "tableId": table.id,
                    "data": {"subject": "{{subject}}", "sender": "{{from}}", "messageId": "{{id}}"},
                },
            },
        )
        session.add(workflow)
        await session.flush()
        return workflow.id, table.id
