"""Google Sheets through the action pipeline against a local Sheets server: OAuth refresh,
one refresh on an expired token, 429 with Retry-After, and the vendor's errors kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.integrations.errors import CredentialsRejected, IntegrationFailed
from core.integrations.runner import run_action
from core.models import Integration, IntegrationRun
from tests.integrations.vendors import Answer
from tests.world.integrations import add_integration, sheets_config


async def runs(sessions) -> list[IntegrationRun]:
    async with sessions() as session:
        return list(
            await session.scalars(sa.select(IntegrationRun).order_by(IntegrationRun.started_at))
        )


async def test_append_refreshes_the_token_once_and_keeps_it_sealed(
    sessions, settings, box, acme, google
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    for amount in (1500, 200):
        out = await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=sheet,
            action="append_rows",
            inputs={"range": "Expenses", "rows": ["2026-11-25", "Jane", amount]},
        )
        assert out["updatedRows"] == 1
    assert google.sheets["sheet-1"][1:] == [
        ["2026-11-25", "Jane", 1500],
        ["2026-11-25", "Jane", 200],
    ]
    assert google.issued == 1  # the stored access token was reused for the second call
    async with sessions() as session:
        row = await session.get(Integration, sheet)
        stored = str(row.config)
    assert "ya29" not in stored and "good-refresh-token" not in stored
    assert "client-secret" not in stored


async def test_an_expired_token_is_refreshed_once_and_the_call_retried(
    sessions, settings, box, acme, google
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="read_range",
        inputs={"range": "Sheet1"},
    )
    google.expire_tokens()
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="find_row",
        inputs={"range": "Sheet1", "column": "Date", "value": "nothing"},
    )
    assert out == {"found": False}
    statuses = [s.path for s in google.seen]
    assert statuses.count("/token") == 2
    log = (await runs(sessions))[-1]
    assert [e["status"] for e in log.request] == [401, 200]  # token calls are not logged


async def test_429_with_retry_after_is_waited_for(sessions, settings, box, acme, google) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="read_range",
        inputs={"range": "Sheet1"},
    )
    google.failures.append(
        Answer(
            429,
            {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded"}},
            headers={"Retry-After": "1"},
        )
    )
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="update_cells",
        inputs={"range": "Sheet1!A2", "values": [["x", "y", 1]]},
    )
    assert out["updatedCells"] == 3
    assert google.sheets["sheet-1"][1] == ["x", "y", 1]
    exchanges = (await runs(sessions))[-1].request
    assert [e["status"] for e in exchanges][-2:] == [429, 200]


async def test_a_revoked_refresh_token_says_reconnect(
    sessions, settings, box, acme, google
) -> None:
    sheet = await add_integration(
        sessions,
        box,
        acme.company_id,
        "GOOGLE_SHEETS",
        sheets_config(google, refreshToken="revoked"),
    )
    with pytest.raises(CredentialsRejected, match="invalid_grant"):
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=sheet,
            action="read_range",
            inputs={"range": "Sheet1"},
        )
    [log] = await runs(sessions)
    assert log.status == "FAILED" and "invalid_grant" in (log.error or "")


async def test_the_vendors_error_is_kept(sessions, settings, box, acme, google) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    with pytest.raises(IntegrationFailed, match="NOT_FOUND Requested entity was not found"):
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=sheet,
            action="read_range",
            inputs={"range": "Sheet1", "spreadsheetId": "missing"},
        )


async def test_a_retry_after_beyond_the_cap_fails_at_once_and_may_be_retried_later(
    sessions, settings, box, acme, google
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=sheet,
        action="read_range",
        inputs={"range": "Sheet1"},
    )
    google.failures.append(
        Answer(
            429,
            {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded"}},
            headers={"Retry-After": "3600"},
        )
    )
    with pytest.raises(IntegrationFailed, match=r"429.*RESOURCE_EXHAUSTED") as caught:
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=sheet,
            action="read_range",
            inputs={"range": "Sheet1"},
        )
    assert caught.value.retryable is True  # the trigger's own backoff tries again later
