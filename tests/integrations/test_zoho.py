"""Zoho CRM and Books against a local Zoho: Zoho-oauthtoken, the API domain of the account's
data centre, per-record errors, Books' organization_id, and modified-records syncs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.database import transaction
from core.integrations.errors import IntegrationFailed
from core.integrations.runner import run_action
from core.integrations.workflows import sync_workflow
from core.models import IntegrationWorkflow
from tests.integrations.zoho_server import Zoho
from tests.world.integrations import add_integration


@pytest.fixture
def zoho() -> Iterator[Zoho]:
    with Zoho() as server:
        yield server


async def add_zoho(sessions, box, company_id, zoho) -> str:
    return await add_integration(
        sessions,
        box,
        company_id,
        "ZOHO",
        {
            "dataCenter": "in",
            "clientId": "1000.CLIENT",
            "clientSecret": "zoho-secret",
            "refreshToken": "zoho-refresh",
            "organizationId": "60001234",
            "apiDomain": zoho.url,
            "accountsUrl": zoho.url,
        },
    )


async def test_crm_create_search_update(sessions, settings, box, acme, zoho) -> None:
    crm = await add_zoho(sessions, box, acme.company_id, zoho)

    async def call(action, **inputs):
        return await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=crm,
            action=action,
            inputs=inputs,
        )

    made = await call(
        "crm_create_record",
        module="Leads",
        record={"Last_Name": "Doe", "Company": "Globex", "Email": "d@globex.test"},
    )
    assert made["message"] == "record added" and made["id"]
    found = await call(
        "crm_search_records", module="Leads", criteria="(Email:equals:d@globex.test)"
    )
    assert found["count"] == 1 and found["records"][0]["Company"] == "Globex"
    none = await call("crm_search_records", module="Leads", criteria="(Email:equals:x@y.z)")
    assert none == {"count": 0, "records": [], "moreRecords": False}
    changed = await call(
        "crm_update_record", module="Leads", id=made["id"], record={"Lead_Status": "Contacted"}
    )
    assert changed["message"] == "record updated"
    assert zoho.records["Leads"][0]["Lead_Status"] == "Contacted"
    assert all(
        s.headers["authorization"].startswith("Zoho-oauthtoken ")
        for s in zoho.seen
        if s.path.startswith("/crm")
    )
    with pytest.raises(IntegrationFailed, match=r"INVALID_DATA: invalid data .*Email"):
        await call(
            "crm_create_record",
            module="Leads",
            record={"Last_Name": "X", "Email": "not-an-address"},
        )


async def test_books_needs_the_organisation_and_reports_its_errors(
    sessions, settings, box, acme, zoho
) -> None:
    books = await add_zoho(sessions, box, acme.company_id, zoho)
    made = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=books,
        action="books_create",
        inputs={
            "entity": "contacts",
            "record": {"contact_name": "Globex", "contact_type": "vendor"},
        },
    )
    assert made["message"] == "The contact has been added."
    listed = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=books,
        action="books_search",
        inputs={"entity": "contacts", "filters": {"contact_name": "Globex"}},
    )
    assert listed["count"] == 1
    with pytest.raises(IntegrationFailed, match='3062: The customer "Globex" already exists'):
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=books,
            action="books_create",
            inputs={"entity": "contacts", "record": {"contact_name": "Globex"}},
        )


async def test_modified_leads_sync_into_books_once(sessions, settings, box, acme, zoho) -> None:
    crm = await add_zoho(sessions, box, acme.company_id, zoho)
    async with transaction(sessions) as session:
        workflow = IntegrationWorkflow(
            company_id=acme.company_id,
            name="Leads to Books",
            integration_id=crm,
            trigger_config={
                "type": "source",
                "source": "modified_records",
                "config": {"module": "Leads"},
            },
            action_config={
                "action": "books_create",
                "inputs": {
                    "entity": "contacts",
                    "record": {"contact_name": "{{Company}} ({{id}})", "contact_type": "customer"},
                },
            },
        )
        session.add(workflow)
        await session.flush()
    for company in ("Initech", "Umbrella"):
        zoho.records["Leads"].append(
            {"id": company.lower(), "Company": company, "Modified_Time": zoho.modified()}
        )
    first = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow.id
    )
    assert first.imported == 2
    nothing = await sync_workflow(
        sessions, settings, company_id=acme.company_id, workflow_id=workflow.id
    )
    assert (nothing.status, nothing.imported) == ("SUCCESS", 0)
    since = [s.headers.get("if-modified-since") for s in zoho.seen if s.path == "/crm/v2/Leads"]
    assert since[-1] == zoho.records["Leads"][-1]["Modified_Time"]
    assert [c["contact_name"] for c in zoho.books["contacts"]] == [
        "Initech (initech)",
        "Umbrella (umbrella)",
    ]
