"""The integrations API over HTTP: the types catalogue, settings checked against the plugin's
schema, OAuth connect and callback with PKCE against a local Google, connection tests that
say what is wrong, workflows checked on save, synced on demand, with their run logs."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from tests.integrations.vendors import Answer
from tests.world.app import auth_headers, make_settings
from tests.world.integrations import sheets_config
from tests.world.tenants import Tenant, make_tenant


@pytest.fixture
async def tenant(sessions) -> Tenant:
    return await make_tenant(sessions, "Acme")


@pytest.fixture
def admin(tenant: Tenant) -> dict[str, str]:
    from core.models import UserRole

    return auth_headers(tenant.users[UserRole.ADMIN])


async def test_types_describe_settings_actions_and_sources(client, admin) -> None:
    answer = await client.get("/integrations/types", headers=admin)
    assert answer.status_code == 200, answer.text
    types = {t["name"]: t for t in answer.json()["items"]}
    assert {"GMAIL", "GOOGLE_SHEETS", "TALLY", "WEBHOOK", "CUSTOM_API"} <= set(types)
    sheets = types["GOOGLE_SHEETS"]
    assert sheets["auth"] == "oauth2"
    assert sheets["configSchema"]["properties"]["clientSecret"]["writeOnly"] is True
    append = next(a for a in sheets["actions"] if a["name"] == "append_rows")
    assert append["inputSchema"]["required"] == ["rows"]
    assert [s["name"] for s in types["GMAIL"]["sources"]] == ["new_messages"]


async def test_settings_are_checked_and_secrets_never_returned(client, admin) -> None:
    bad = await client.post(
        "/integrations",
        headers=admin,
        json={"name": "Books", "type": "TALLY", "config": {"url": 9000, "colour": "red"}},
    )
    assert bad.status_code == 422
    assert {(e["path"], e["code"]) for e in bad.json()["errors"]} == {
        ("/config/url", "invalid_type"),
        ("/config/colour", "unknown_setting"),
    }
    made = await client.post(
        "/integrations",
        headers=admin,
        json={
            "name": "API",
            "type": "CUSTOM_API",
            "config": {"baseUrl": "http://127.0.0.1:9", "authScheme": "bearer", "token": "tok-789"},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["secretsSet"] == ["token"] and "tok-789" not in made.text


async def test_connect_with_pkce_then_use_the_sheet(client, admin, google) -> None:
    config = sheets_config(google)
    del config["refreshToken"]
    made = await client.post(
        "/integrations",
        headers=admin,
        json={"name": "Expenses sheet", "type": "GOOGLE_SHEETS", "config": config},
    )
    integration = made.json()["id"]
    not_yet = await client.post(f"/integrations/{integration}/test", headers=admin)
    assert not_yet.json().get("ok") is False, not_yet.text
    assert not_yet.json()["problem"] == "integration.not_connected"

    connect = await client.get(f"/integrations/{integration}/connect", headers=admin)
    assert connect.status_code == 200, connect.text
    url = urlsplit(connect.json()["authorizationUrl"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == google.url + "/auth"
    assert query["code_challenge_method"] == "S256" and query["access_type"] == "offline"
    assert query["redirect_uri"] == connect.json()["redirectUri"]

    # The user consents; Google redirects the browser back with a code.
    google.codes["code-123"] = query["code_challenge"]
    back = await client.get(
        "/integrations/oauth/callback", params={"state": query["state"], "code": "code-123"}
    )
    assert back.status_code == 200, back.text
    token_call = next(s for s in google.seen if s.path == "/token")
    verifier = parse_qs(token_call.body.decode())["code_verifier"][0]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    replay = await client.get(
        "/integrations/oauth/callback", params={"state": query["state"], "code": "code-123"}
    )
    assert replay.status_code == 400

    tested = await client.post(f"/integrations/{integration}/test", headers=admin)
    assert tested.json() == {"ok": True, "details": {"title": "Expenses"}}
    shown = await client.get(f"/integrations/{integration}", headers=admin)
    assert shown.json()["secretsSet"] == ["clientSecret", "refreshToken"]
    assert "ya29" not in shown.text and "refresh-from-code" not in shown.text


async def test_the_connection_test_says_what_is_wrong(
    client, admin, google, database_url, tmp_path
) -> None:
    made = await client.post(
        "/integrations",
        headers=admin,
        json={
            "name": "Sheet",
            "type": "GOOGLE_SHEETS",
            "config": sheets_config(google, clientSecret="wrong"),
        },
    )
    integration = made.json()["id"]
    wrong = (await client.post(f"/integrations/{integration}/test", headers=admin)).json()
    assert wrong["problem"] == "integration.credentials_rejected"
    assert "invalid_client" in wrong["message"] and "wrong" not in wrong["message"]

    await client.patch(
        f"/integrations/{integration}", headers=admin, json={"config": sheets_config(google)}
    )
    fixed = (await client.post(f"/integrations/{integration}/test", headers=admin)).json()
    assert fixed["ok"] is True
    google.failures.append(
        Answer(
            403,
            {
                "error": {
                    "code": 403,
                    "status": "PERMISSION_DENIED",
                    "message": "Request had insufficient authentication scopes.",
                }
            },
        )
    )
    scope = (await client.post(f"/integrations/{integration}/test", headers=admin)).json()
    assert "insufficient authentication scopes" in scope["message"]

    strict = create_app(
        make_settings(database_url, tmp_path, http_allow_private=False, http_retries=0)
    )
    async with AsyncTestClient(app=strict) as guarded:
        blocked = (await guarded.post(f"/integrations/{integration}/test", headers=admin)).json()
    assert blocked["ok"] is False and "could not be reached" in blocked["message"]


async def test_workflows_are_checked_synced_and_logged(client, admin, google) -> None:
    made = await client.post(
        "/integrations",
        headers=admin,
        json={"name": "Sheet", "type": "GOOGLE_SHEETS", "config": sheets_config(google)},
    )
    integration = made.json()["id"]
    bad = await client.post(
        "/integration-workflows",
        headers=admin,
        json={
            "name": "x",
            "integrationId": integration,
            "triggerConfig": {"type": "source", "source": "nope"},
            "actionConfig": {"action": "explode"},
        },
    )
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {
        "/triggerConfig/source",
        "/actionConfig/action",
    }
    google.sheets["sheet-1"] += [["2026-11-01", "Ann", 10], ["2026-11-02", "Bob", 20]]
    workflow = await client.post(
        "/integration-workflows",
        headers=admin,
        json={
            "name": "Copy new rows",
            "integrationId": integration,
            "triggerConfig": {
                "type": "source",
                "source": "new_rows",
                "config": {"range": "Sheet1"},
            },
            "actionConfig": {
                "action": "append_rows",
                "inputs": {
                    "spreadsheetId": "archive",
                    "rows": [["{{Date}}", "{{Employee}}", "{{Amount}}"]],
                },
            },
        },
    )
    assert workflow.status_code == 201, workflow.text
    google.sheets["archive"] = []
    wid = workflow.json()["id"]
    fresh = await client.get(f"/integration-workflows/{wid}/cursor", headers=admin)
    assert fresh.status_code == 200, fresh.text
    assert fresh.json() == {
        "cursor": {},
        "lastSyncAt": None,
        "syncingUntil": None,
        "items": 0,
        "unfinished": 0,
    }
    synced = await client.post(f"/integration-workflows/{wid}/sync", headers=admin)
    assert synced.json() == {"status": "SUCCESS", "imported": 2, "skipped": 0, "error": None}
    again = await client.post(f"/integration-workflows/{wid}/sync", headers=admin)
    assert again.json()["imported"] == 0
    assert google.sheets["archive"] == [["2026-11-01", "Ann", 10], ["2026-11-02", "Bob", 20]]
    # Where the sync has got to: past the two rows, both handed over, no sync running now.
    progress = (await client.get(f"/integration-workflows/{wid}/cursor", headers=admin)).json()
    assert progress["cursor"] and progress["lastSyncAt"] is not None
    assert progress["items"] == 2 and progress["unfinished"] == 0
    assert progress["syncingUntil"] is None
    runs = (await client.get(f"/integration-workflows/{wid}/runs", headers=admin)).json()["items"]
    assert [r["kind"] for r in runs].count("sync") == 2
    assert all("access_token" not in str(r) and "?" not in str(r["request"]) for r in runs)


async def test_every_type_is_configured_and_tested_through_the_api(
    client, admin, google, tally
) -> None:
    from tests.integrations.graph_server import Graph
    from tests.integrations.receiver import Receiver, ShopApi
    from tests.integrations.zoho_server import Zoho

    google.sheets["sheet-1"] = [["Date"]]
    with Graph() as graph, Zoho() as zoho, Receiver() as receiver, ShopApi() as shop:
        configs = {
            "GMAIL": {k: v for k, v in sheets_config(google).items() if k != "spreadsheetId"},
            "GOOGLE_SHEETS": sheets_config(google),
            "OUTLOOK": {
                "clientId": "app",
                "clientSecret": "s",
                "refreshToken": "ms-refresh",
                "apiBaseUrl": graph.url,
                "tokenUrl": graph.url + "/t/oauth2/v2.0/token",
            },
            "TALLY": {"url": tally.url},
            "ZOHO": {
                "dataCenter": "eu",
                "clientId": "c",
                "clientSecret": "s",
                "refreshToken": "zoho-refresh",
                "apiDomain": zoho.url,
                "accountsUrl": zoho.url,
            },
            "WEBHOOK": {
                "url": receiver.url,
                "signingSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            },
            "CUSTOM_API": {
                "baseUrl": shop.url,
                "authScheme": "bearer",
                "token": "tok-2",
                "healthPath": "/orders/pages",
            },
        }
        details = {}
        for type_, config in configs.items():
            made = await client.post(
                "/integrations",
                headers=admin,
                json={"name": type_.title(), "type": type_, "config": config},
            )
            assert made.status_code == 201, made.text
            tested = await client.post(f"/integrations/{made.json()['id']}/test", headers=admin)
            assert tested.json()["ok"] is True, (type_, tested.text)
            details[type_] = tested.json()["details"]
    assert details["GMAIL"] == {"emailAddress": "ap@acme.example"}
    assert details["OUTLOOK"] == {"folder": "Inbox"}
    assert details["ZOHO"] == {"organisation": "Acme Ltd"}
    assert details["TALLY"] == {"ledgers": 3}
    assert details["WEBHOOK"]["status"] == 204


async def test_zoho_connects_in_the_users_data_centre(client, admin) -> None:
    from tests.integrations.zoho_server import Zoho

    with Zoho() as zoho:
        made = await client.post(
            "/integrations",
            headers=admin,
            json={
                "name": "Zoho",
                "type": "ZOHO",
                "config": {"dataCenter": "in", "clientId": "1000.C", "clientSecret": "s3"},
            },
        )
        integration = made.json()["id"]
        connect = (await client.get(f"/integrations/{integration}/connect", headers=admin)).json()
        url = urlsplit(connect["authorizationUrl"])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.zoho.in/oauth/v2/auth"
        assert query["scope"] == "ZohoCRM.modules.ALL,ZohoBooks.fullaccess.all"
        assert query["access_type"] == "offline"
        # Zoho sends the browser back naming the accounts server of the user's data centre.
        back = await client.get(
            "/integrations/oauth/callback",
            params={"state": query["state"], "code": "zoho-code", "accounts-server": zoho.url},
        )
        assert back.status_code == 200, back.text
        shown = (await client.get(f"/integrations/{integration}", headers=admin)).json()
        assert shown["config"]["apiDomain"] == zoho.url
        assert shown["secretsSet"] == ["clientSecret", "refreshToken"]
        tested = await client.post(f"/integrations/{integration}/test", headers=admin)
        assert tested.json() == {"ok": True, "details": {"organisation": "Acme Ltd"}}


async def test_outlook_connects_through_the_microsoft_identity_platform(client, admin) -> None:
    from tests.integrations.graph_server import Graph

    with Graph() as graph:
        made = await client.post(
            "/integrations",
            headers=admin,
            json={
                "name": "AP mailbox",
                "type": "OUTLOOK",
                "config": {
                    "tenant": "contoso.onmicrosoft.com",
                    "clientId": "app-id",
                    "clientSecret": "app-secret",
                    "apiBaseUrl": graph.url,
                    "tokenUrl": graph.url + "/contoso/oauth2/v2.0/token",
                },
            },
        )
        integration = made.json()["id"]
        connect = (await client.get(f"/integrations/{integration}/connect", headers=admin)).json()
        url = urlsplit(connect["authorizationUrl"])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert f"{url.scheme}://{url.netloc}{url.path}" == (
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        )
        assert "offline_access" in query["scope"].split()
        assert query["response_mode"] == "query" and query["code_challenge_method"] == "S256"
        back = await client.get(
            "/integrations/oauth/callback", params={"state": query["state"], "code": "ms-code"}
        )
        assert back.status_code == 200, back.text
        tested = await client.post(f"/integrations/{integration}/test", headers=admin)
        assert tested.json() == {"ok": True, "details": {"folder": "Inbox"}}
        denied = await client.get(
            "/integrations/oauth/callback", params={"state": "unknown", "error": "access_denied"}
        )
        assert denied.status_code == 400
        assert denied.json()["code"] == "integration.authorization_invalid"
