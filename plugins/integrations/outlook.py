"""Outlook through Microsoft Graph: send mail, list messages with $filter following
@odata.nextLink; the `new_messages` source follows a mail folder's delta link."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from erp.sdk import (
    ConfigField,
    Credentials,
    HttpResponse,
    IntegrationAction,
    IntegrationContext,
    IntegrationSource,
    OAuth2Credentials,
    OAuthProvider,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
    source_item,
)

GRAPH = "https://graph.microsoft.com"
LOGIN = "https://login.microsoftonline.com"
SCOPES = (
    "offline_access",
    "https://graph.microsoft.com/Mail.Send",
    "https://graph.microsoft.com/Mail.Read",
)
SELECT = "id,subject,from,toRecipients,receivedDateTime,bodyPreview,isRead"
MAX_PAGES = 50


def credentials(config: Mapping[str, Any]) -> Credentials:
    tenant = quote(str(config.get("tenant") or "common"), safe="")
    return OAuth2Credentials(
        provider=OAuthProvider(
            name="Microsoft",
            authorize_url=str(
                config.get("authorizeUrl") or f"{LOGIN}/{tenant}/oauth2/v2.0/authorize"
            ),
            token_url=str(config.get("tokenUrl") or f"{LOGIN}/{tenant}/oauth2/v2.0/token"),
            scopes=SCOPES,
            authorize_params={"response_mode": "query"},
        ),
        client_id=str(config.get("clientId") or ""),
        client_secret=str(config.get("clientSecret") or ""),
    )


def _user(context: IntegrationContext) -> str:
    """`me` with delegated consent; a mailbox's id or address for application access."""
    mailbox = context.setting("mailbox")
    base = str(context.setting("apiBaseUrl", GRAPH)).rstrip("/") + "/v1.0"
    return f"{base}/users/{quote(str(mailbox), safe='@')}" if mailbox else f"{base}/me"


def _answer(response: HttpResponse, what: str) -> Any:
    body: Any = {}
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = {"error": {"message": response.text[:300]}}
    error = body.get("error") if isinstance(body, dict) else None
    message = (
        f"{error.get('code', '')} {error.get('message', '')}".strip()
        if isinstance(error, dict)
        else None
    )
    raise_for_vendor(response, what, message)
    return body


def _recipients(value: Any) -> list[dict[str, Any]]:
    addresses = value if isinstance(value, list) else [a for a in str(value or "").split(",")]
    return [{"emailAddress": {"address": str(a).strip()}} for a in addresses if str(a).strip()]


async def send_mail(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "subject": str(inputs.get("subject") or ""),
        "body": {
            "contentType": "HTML" if inputs.get("html") else "Text",
            "content": str(inputs.get("html") or inputs.get("body") or ""),
        },
        "toRecipients": _recipients(inputs["to"]),
    }
    if inputs.get("cc"):
        message["ccRecipients"] = _recipients(inputs["cc"])
    attachments = []
    for file_id in inputs.get("attachments") or []:
        name, mimetype, content = await context.file(str(file_id))
        attachments.append(
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": name,
                "contentType": mimetype,
                "contentBytes": base64.b64encode(content).decode(),
            }
        )
    if attachments:
        message["attachments"] = attachments
    response = await context.http.request(
        "POST", _user(context) + "/sendMail", json={"message": message, "saveToSentItems": True}
    )
    _answer(response, "send mail")
    return {"accepted": response.status_code == 202}


def _summary(message: Mapping[str, Any]) -> dict[str, Any]:
    sender = message.get("from", {}).get("emailAddress", {})
    return {
        "id": message.get("id"),
        "subject": message.get("subject", ""),
        "from": sender.get("address", ""),
        "fromName": sender.get("name", ""),
        "receivedDateTime": message.get("receivedDateTime"),
        "bodyPreview": message.get("bodyPreview", ""),
    }


async def list_messages(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """Messages matching an OData $filter, newest first, up to maxResults (following
    @odata.nextLink)."""
    limit = int(inputs.get("maxResults") or 50)
    first: dict[str, Any] = {
        "$select": SELECT,
        "$top": min(limit, 100),
        "$orderby": "receivedDateTime desc",
    }
    if inputs.get("filter"):
        first["$filter"] = inputs["filter"]
    params: dict[str, Any] | None = first
    folder = inputs.get("folder")
    url = _user(context) + (
        f"/mailFolders/{quote(str(folder), safe='')}/messages" if folder else "/messages"
    )
    messages: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        body = _answer(await context.http.request("GET", url, params=params), "list messages")
        messages += [_summary(m) for m in body.get("value", [])]
        link = body.get("@odata.nextLink")
        if not link or len(messages) >= limit:
            break
        url, params = str(link), None  # the link carries the query
    return {"count": len(messages[:limit]), "messages": messages[:limit]}


async def new_messages(context: IntegrationContext, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages added to a folder since the cursor's delta link (all of them the first time),
    oldest first; only the last item carries the new delta link, so a run that stops half way
    replays the same delta."""
    folder = quote(str(config.get("folder") or "inbox"), safe="")
    start = context.cursor.get("deltaLink")
    url = str(start or f"{_user(context)}/mailFolders/{folder}/messages/delta")
    params: dict[str, Any] | None = None if start else {"$select": SELECT}
    found: list[dict[str, Any]] = []
    delta_link = start
    for _ in range(MAX_PAGES):
        body = _answer(await context.http.request("GET", url, params=params), "read new messages")
        found += [m for m in body.get("value", []) if "@removed" not in m]
        if body.get("@odata.nextLink"):
            url, params = str(body["@odata.nextLink"]), None
            continue
        delta_link = body.get("@odata.deltaLink") or delta_link
        break
    found.sort(key=lambda m: str(m.get("receivedDateTime") or ""))
    return [
        source_item(
            str(m["id"]), {"deltaLink": delta_link if n == len(found) else start}, _summary(m)
        )
        for n, m in enumerate(found, start=1)
    ]


async def check(context: IntegrationContext) -> dict[str, Any]:
    body = _answer(
        await context.http.request(
            "GET", _user(context) + "/mailFolders/inbox", params={"$select": "displayName"}
        ),
        "open the inbox",
    )
    return {"folder": body.get("displayName")}


OUTLOOK = VendorIntegration(
    name="OUTLOOK",
    label="Outlook (Microsoft 365)",
    description="Send and read Outlook mail through Microsoft Graph.",
    config=(
        ConfigField(
            "tenant",
            "Directory (tenant) ID",
            default="common",
            description="common, organizations, or your tenant's ID",
        ),
        ConfigField("clientId", "Application (client) ID"),
        ConfigField("clientSecret", "Client secret", secret=True),
        ConfigField("refreshToken", "Refresh token", secret=True, description="Set by /connect."),
        ConfigField("mailbox", "Mailbox (user id or address; empty: the consenting user)"),
        ConfigField("apiBaseUrl", "Graph base URL", "url", description="Tests only."),
        ConfigField("authorizeUrl", "Authorize URL", "url", description="Tests only."),
        ConfigField("tokenUrl", "Token URL", "url", description="Tests only."),
    ),
    actions=(
        IntegrationAction(
            "send_mail",
            "Send mail",
            send_mail,
            (
                ConfigField("to", "To", "text", True),
                ConfigField("cc", "Cc", "text"),
                ConfigField("subject", "Subject"),
                ConfigField("body", "Text body"),
                ConfigField("html", "HTML body"),
                ConfigField("attachments", "File ids to attach", "text"),
            ),
        ),
        IntegrationAction(
            "list_messages",
            "List messages",
            list_messages,
            (
                ConfigField(
                    "filter",
                    "OData $filter",
                    description="e.g. from/emailAddress/address eq 'a@b.c'",
                ),
                ConfigField("folder", "Folder"),
                ConfigField("maxResults", "At most", "integer"),
            ),
        ),
    ),
    sources=(
        IntegrationSource(
            "new_messages",
            "New messages in a folder",
            fetch=new_messages,
            config=(ConfigField("folder", "Folder (default inbox)"),),
        ),
    ),
    credentials=credentials,
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [OUTLOOK]
