"""Zoho CRM (v2) and Zoho Books (v3): create, update and search records with
`Zoho-oauthtoken` authorisation, in the account's own data centre; Books calls carry the
organization_id. The `modified_records` source follows a CRM module's Modified_Time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from erp.sdk import (
    ConfigField,
    Credentials,
    HttpResponse,
    IntegrationAction,
    IntegrationContext,
    IntegrationFailed,
    IntegrationSource,
    OAuth2Credentials,
    OAuthProvider,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
    source_item,
)

# Each data centre has its own accounts server and API domain.
DATA_CENTRES = {
    "us": "com",
    "eu": "eu",
    "in": "in",
    "au": "com.au",
    "jp": "jp",
    "ca": "zohocloud.ca",
    "cn": "com.cn",
    "sa": "sa",
}
SCOPES = ("ZohoCRM.modules.ALL", "ZohoBooks.fullaccess.all")
PAGE_SIZE = 200


def _accounts(config: Mapping[str, Any]) -> str:
    tld = DATA_CENTRES.get(str(config.get("dataCenter") or "us"), "com")
    return str(config.get("accountsUrl") or f"https://accounts.zoho.{tld}").rstrip("/")


def _api(context: IntegrationContext) -> str:
    tld = DATA_CENTRES.get(str(context.setting("dataCenter", "us")), "com")
    return str(context.setting("apiDomain") or f"https://www.zohoapis.{tld}").rstrip("/")


def credentials(config: Mapping[str, Any]) -> Credentials:
    accounts = _accounts(config)
    return OAuth2Credentials(
        provider=OAuthProvider(
            name="Zoho",
            authorize_url=f"{accounts}/oauth/v2/auth",
            token_url=f"{accounts}/oauth/v2/token",
            scopes=SCOPES,
            authorize_params={"access_type": "offline", "prompt": "consent"},
            token_prefix="Zoho-oauthtoken",  # noqa: S106 (Zoho's header scheme, not a secret)
            scope_separator=",",
        ),
        client_id=str(config.get("clientId") or ""),
        client_secret=str(config.get("clientSecret") or ""),
    )


def _body(response: HttpResponse) -> Any:
    if response.status_code in (204, 304) or not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {"message": response.text[:300]}


def _error(body: Any) -> str:
    if isinstance(body, dict):
        if isinstance(body.get("data"), list) and body["data"]:
            first = body["data"][0]
            return f"{first.get('code')}: {first.get('message')} {first.get('details') or ''}"
        return f"{body.get('code', '')}: {body.get('message', '')}".strip(": ")
    return str(body)[:300]


def _crm_result(response: HttpResponse, what: str) -> dict[str, Any]:
    """One record's outcome in CRM's {"data": [{"code", "details", "message", "status"}]}."""
    body = _body(response)
    raise_for_vendor(response, what, _error(body))
    outcome = (body.get("data") or [{}])[0]
    if outcome.get("status") != "success":
        raise IntegrationFailed(f"{what}: Zoho refused the record: {_error(body)}", retryable=False)
    details = outcome.get("details", {})
    return {
        "id": details.get("id"),
        "modifiedTime": details.get("Modified_Time"),
        "message": outcome.get("message"),
    }


async def crm_create(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    module = quote(str(inputs["module"]), safe="")
    response = await context.http.request(
        "POST", f"{_api(context)}/crm/v2/{module}", json={"data": [inputs["record"]]}
    )
    return _crm_result(response, f"create a {inputs['module']} record")


async def crm_update(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    module = quote(str(inputs["module"]), safe="")
    record_id = quote(str(inputs["id"]), safe="")
    response = await context.http.request(
        "PUT", f"{_api(context)}/crm/v2/{module}/{record_id}", json={"data": [inputs["record"]]}
    )
    return _crm_result(response, f"update a {inputs['module']} record")


async def crm_search(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """By `criteria` ((Email:equals:a@b.c)), `email`, `phone` or `word`; 204 means none."""
    module = quote(str(inputs["module"]), safe="")
    params = {k: inputs[k] for k in ("criteria", "email", "phone", "word") if inputs.get(k)}
    if not params:
        raise IntegrationFailed("give criteria, email, phone or word to search by", retryable=False)
    response = await context.http.request(
        "GET", f"{_api(context)}/crm/v2/{module}/search", params=params
    )
    body = _body(response)
    raise_for_vendor(response, f"search {inputs['module']}", _error(body))
    records = body.get("data", [])
    return {
        "count": len(records),
        "records": records,
        "moreRecords": bool(body.get("info", {}).get("more_records")),
    }


def _books(context: IntegrationContext, path: str) -> tuple[str, dict[str, Any]]:
    organisation = context.setting("organizationId")
    if not organisation:
        raise IntegrationFailed(
            "Zoho Books needs the organization ID in the settings", retryable=False
        )
    return f"{_api(context)}/books/v3/{path}", {"organization_id": organisation}


def _books_result(response: HttpResponse, what: str) -> dict[str, Any]:
    """Books answers {"code": 0, "message", "<entity>": {...}}; code != 0 is an error."""
    body = _body(response)
    raise_for_vendor(response, what, _error(body))
    if body.get("code") not in (0, None):
        raise IntegrationFailed(f"{what}: {_error(body)}", retryable=False)
    return body


async def books_create(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    entity = quote(str(inputs["entity"]), safe="")
    url, params = _books(context, entity)
    response = await context.http.request("POST", url, params=params, json=inputs["record"])
    body = _books_result(response, f"create a Books {inputs['entity']}")
    return {
        "message": body.get("message"),
        "record": next((v for k, v in body.items() if isinstance(v, dict)), {}),
    }


async def books_update(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    path = f"{quote(str(inputs['entity']), safe='')}/{quote(str(inputs['id']), safe='')}"
    url, params = _books(context, path)
    response = await context.http.request("PUT", url, params=params, json=inputs["record"])
    body = _books_result(response, f"update a Books {inputs['entity']}")
    return {
        "message": body.get("message"),
        "record": next((v for k, v in body.items() if isinstance(v, dict)), {}),
    }


async def books_search(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    entity = str(inputs["entity"])
    url, params = _books(context, quote(entity, safe=""))
    params.update({str(k): v for k, v in (inputs.get("filters") or {}).items()})
    response = await context.http.request("GET", url, params=params)
    body = _books_result(response, f"search Books {entity}")
    records = body.get(entity, [])
    return {
        "count": len(records),
        "records": records,
        "hasMorePage": bool(body.get("page_context", {}).get("has_more_page")),
    }


async def modified_records(
    context: IntegrationContext, config: dict[str, Any]
) -> list[dict[str, Any]]:
    """Records of a module modified after the cursor's time, oldest first (If-Modified-Since;
    304 means nothing changed). A record modified again is a new item."""
    module = quote(str(config.get("module") or "Leads"), safe="")
    since = context.cursor.get("modifiedTime")
    headers = {"If-Modified-Since": since} if since else {}
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await context.http.request(
            "GET",
            f"{_api(context)}/crm/v2/{module}",
            headers=headers,
            params={
                "sort_by": "Modified_Time",
                "sort_order": "asc",
                "page": page,
                "per_page": PAGE_SIZE,
            },
        )
        if response.status_code == 304:
            break
        body = _body(response)
        raise_for_vendor(response, f"read modified {module}", _error(body))
        for record in body.get("data", []):
            modified = str(record.get("Modified_Time"))
            if since and _instant(modified) <= _instant(since):
                continue
            items.append(
                source_item(f"{record['id']}@{modified}", {"modifiedTime": modified}, record)
            )
        if not body.get("info", {}).get("more_records"):
            break
        page += 1
    return items


def _instant(text: str) -> datetime:
    """Zoho's times carry the account's offset (2026-11-25T10:00:00+05:30)."""
    return datetime.fromisoformat(text)


async def check(context: IntegrationContext) -> dict[str, Any]:
    response = await context.http.request("GET", f"{_api(context)}/crm/v2/org")
    body = _body(response)
    raise_for_vendor(response, "read the organisation", _error(body))
    org = (body.get("org") or [{}])[0]
    return {"organisation": org.get("company_name")}


MODULE = ConfigField(
    "module",
    "Module (API name)",
    required=True,
    description="Leads, Contacts, Deals, or a custom module",
)
ENTITY = ConfigField(
    "entity",
    "Books entity",
    "select",
    True,
    options=(
        "contacts",
        "invoices",
        "bills",
        "expenses",
        "items",
        "salesorders",
        "purchaseorders",
        "customerpayments",
    ),
)
RECORD = ConfigField("record", "Record fields", "text", True)

ZOHO = VendorIntegration(
    name="ZOHO",
    label="Zoho CRM and Books",
    description="Create, update and search Zoho CRM and Zoho Books records.",
    config=(
        ConfigField("dataCenter", "Data centre", "select", True, options=tuple(DATA_CENTRES)),
        ConfigField("clientId", "OAuth client ID", description="From the Zoho API console."),
        ConfigField("clientSecret", "OAuth client secret", secret=True),
        ConfigField("refreshToken", "Refresh token", secret=True, description="Set by /connect."),
        ConfigField("organizationId", "Books organization ID"),
        ConfigField(
            "apiDomain",
            "API domain",
            "url",
            description="Set from the token answer; override for tests only.",
        ),
        ConfigField("accountsUrl", "Accounts server", "url", description="Tests only."),
    ),
    actions=(
        IntegrationAction(
            "crm_create_record", "CRM: create a record", crm_create, (MODULE, RECORD)
        ),
        IntegrationAction(
            "crm_update_record",
            "CRM: update a record",
            crm_update,
            (MODULE, ConfigField("id", "Record ID", required=True), RECORD),
        ),
        IntegrationAction(
            "crm_search_records",
            "CRM: search records",
            crm_search,
            (
                MODULE,
                ConfigField("criteria", "Criteria"),
                ConfigField("email", "E-mail"),
                ConfigField("phone", "Phone"),
                ConfigField("word", "Word"),
            ),
        ),
        IntegrationAction("books_create", "Books: create", books_create, (ENTITY, RECORD)),
        IntegrationAction(
            "books_update",
            "Books: update",
            books_update,
            (ENTITY, ConfigField("id", "ID", required=True), RECORD),
        ),
        IntegrationAction(
            "books_search",
            "Books: list and search",
            books_search,
            (ENTITY, ConfigField("filters", "Filters (e.g. contact_name)", "text")),
        ),
    ),
    sources=(
        IntegrationSource(
            "modified_records",
            "CRM records modified since the last sync",
            fetch=modified_records,
            config=(ConfigField("module", "Module"),),
        ),
    ),
    credentials=credentials,
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [ZOHO]
