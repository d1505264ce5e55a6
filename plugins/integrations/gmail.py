"""Gmail API: send a message (RFC 5322, base64url `raw`, attachments from the platform's
files), search messages with a Gmail query; the `new_messages` source picks up messages
matching a query that arrived since the last sync (history id cursor)."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from erp.sdk import (
    ConfigField,
    HttpResponse,
    IntegrationAction,
    IntegrationContext,
    IntegrationSource,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
    source_item,
)
from plugins.integrations.google import CONFIG, google_credentials, google_error

API = "https://gmail.googleapis.com"
SCOPES = (
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.readonly",
)
MAX_RESULTS = 100


def _base(context: IntegrationContext) -> str:
    return str(context.setting("apiBaseUrl", API)).rstrip("/") + "/gmail/v1/users/me"


def _answer(response: HttpResponse, what: str) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    raise_for_vendor(response, what, google_error(body))
    return body


def _addresses(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


async def send_message(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    message = EmailMessage()
    sender = context.setting("fromAddress")
    if sender:
        message["From"] = formataddr((context.setting("fromName") or "", sender))
    message["To"] = _addresses(inputs["to"])
    if inputs.get("cc"):
        message["Cc"] = _addresses(inputs["cc"])
    if inputs.get("bcc"):
        message["Bcc"] = _addresses(inputs["bcc"])
    message["Subject"] = str(inputs.get("subject") or "")
    # The same Message-ID on every retry lets Gmail and recipients spot a duplicate.
    message["Message-ID"] = make_msgid(
        idstring=context.idempotency_key or None, domain="erp-builder"
    )
    message.set_content(str(inputs.get("body") or ""))
    if inputs.get("html"):
        message.add_alternative(str(inputs["html"]), subtype="html")
    for file_id in inputs.get("attachments") or []:
        name, mimetype, content = await context.file(str(file_id))
        main, _, sub = mimetype.partition("/")
        message.add_attachment(content, maintype=main, subtype=sub or "octet-stream", filename=name)
    raw = base64.urlsafe_b64encode(message.as_bytes()).decode().rstrip("=")
    response = await context.http.request(
        "POST", _base(context) + "/messages/send", json={"raw": raw}
    )
    body = _answer(response, "send the message")
    return {"id": body.get("id"), "threadId": body.get("threadId")}


async def _message(context: IntegrationContext, message_id: str) -> dict[str, Any]:
    response = await context.http.request(
        "GET",
        f"{_base(context)}/messages/{message_id}",
        params={"format": "metadata", "metadataHeaders": ["From", "To", "Subject", "Date"]},
    )
    body = _answer(response, "read a message")
    headers = {h["name"].lower(): h["value"] for h in body.get("payload", {}).get("headers", [])}
    return {
        "id": body["id"],
        "threadId": body.get("threadId"),
        "historyId": body.get("historyId"),
        "snippet": body.get("snippet", ""),
        "from": headers.get("from", ""),
        "to": headers.get("to", ""),
        "subject": headers.get("subject", ""),
        "date": headers.get("date", ""),
    }


async def _ids(context: IntegrationContext, query: str, limit: int) -> list[str]:
    """Ids of messages matching `query`, newest first, following nextPageToken."""
    ids: list[str] = []
    token = None
    while len(ids) < limit:
        params: dict[str, Any] = {"q": query, "maxResults": min(limit - len(ids), 500)}
        if token:
            params["pageToken"] = token
        body = _answer(
            await context.http.request("GET", _base(context) + "/messages", params=params),
            "search messages",
        )
        ids += [m["id"] for m in body.get("messages", [])]
        token = body.get("nextPageToken")
        if not token:
            break
    return ids


async def search_messages(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    limit = int(inputs.get("maxResults") or 20)
    messages = [await _message(context, i) for i in await _ids(context, inputs["query"], limit)]
    return {"count": len(messages), "messages": messages}


async def _added_since(context: IntegrationContext, start: str) -> set[str] | None:
    """Ids of messages added since a history id; None when Gmail no longer has that history
    (404), so the caller falls back to the query alone."""
    added: set[str] = set()
    token = None
    while True:
        params: dict[str, Any] = {"startHistoryId": start, "historyTypes": "messageAdded"}
        if token:
            params["pageToken"] = token
        response = await context.http.request("GET", _base(context) + "/history", params=params)
        if response.status_code == 404:
            return None
        body = _answer(response, "read the mailbox history")
        for record in body.get("history", []):
            for added_message in record.get("messagesAdded", []):
                added.add(added_message["message"]["id"])
        token = body.get("nextPageToken")
        if not token:
            return added


async def new_messages(context: IntegrationContext, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages matching the query added since the cursor's history id, oldest first. Only
    the last item moves the cursor to the mailbox's current history id, so a run that stops
    half way reads the same history again (items already handed over are skipped)."""
    profile = _answer(
        await context.http.request("GET", _base(context) + "/profile"), "read the mailbox profile"
    )
    start = context.cursor.get("historyId")
    added = await _added_since(context, str(start)) if start else None
    ids = await _ids(context, str(config.get("query") or ""), MAX_RESULTS)
    if added is not None:
        ids = [i for i in ids if i in added]
    ids.reverse()
    items = []
    for number, message_id in enumerate(ids, start=1):
        last = number == len(ids)
        cursor = {"historyId": profile["historyId"] if last else start}
        items.append(source_item(message_id, cursor, await _message(context, message_id)))
    return items


async def check(context: IntegrationContext) -> dict[str, Any]:
    profile = _answer(
        await context.http.request("GET", _base(context) + "/profile"), "read the mailbox profile"
    )
    return {"emailAddress": profile.get("emailAddress")}


GMAIL = VendorIntegration(
    name="GMAIL",
    label="Gmail",
    description="Send and search e-mail of a Gmail or Google Workspace mailbox.",
    config=(
        *CONFIG,
        ConfigField("fromAddress", "Send as (address)", "email"),
        ConfigField("fromName", "Sender name"),
    ),
    actions=(
        IntegrationAction(
            "send_message",
            "Send a message",
            send_message,
            (
                ConfigField("to", "To", "text", True),
                ConfigField("cc", "Cc", "text"),
                ConfigField("bcc", "Bcc", "text"),
                ConfigField("subject", "Subject"),
                ConfigField("body", "Text body"),
                ConfigField("html", "HTML body"),
                ConfigField("attachments", "File ids to attach", "text"),
            ),
        ),
        IntegrationAction(
            "search_messages",
            "Search messages",
            search_messages,
            (
                ConfigField(
                    "query",
                    "Gmail query",
                    required=True,
                    description="e.g. from:supplier@example.com is:unread",
                ),
                ConfigField("maxResults", "At most", "integer"),
            ),
        ),
    ),
    sources=(
        IntegrationSource(
            "new_messages",
            "New messages matching a query",
            fetch=new_messages,
            config=(ConfigField("query", "Gmail query"),),
        ),
    ),
    credentials=google_credentials(SCOPES),
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [GMAIL]
