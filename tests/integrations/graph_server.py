"""A local Microsoft identity platform token endpoint and Microsoft Graph mail API: sendMail
(202), messages with $filter/$top and @odata.nextLink, and a folder's delta query."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.integrations.vendors import Answer, Seen, VendorServer

UNAUTHENTICATED = {
    "error": {
        "code": "InvalidAuthenticationToken",
        "message": "Access token has expired or is not yet valid.",
    }
}


class Graph(VendorServer):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.issued = 0
        self.inbox: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []

    def receive(self, sender: str, subject: str) -> str:
        message_id = f"AAMkAD{len(self.inbox) + 1:04d}"
        self.inbox.append(
            {
                "id": message_id,
                "subject": subject,
                "bodyPreview": subject,
                "receivedDateTime": f"2026-11-25T10:{len(self.inbox):02d}:00Z",
                "isRead": False,
                "from": {"emailAddress": {"name": sender.split("@")[0], "address": sender}},
                "toRecipients": [{"emailAddress": {"address": "ap@acme.example"}}],
            }
        )
        return message_id

    def handle(self, seen: Seen) -> Answer:
        if seen.path.endswith("/oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
            if form.get("grant_type") == "authorization_code":
                if form.get("code") != "ms-code" or not form.get("code_verifier"):
                    return Answer(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "AADSTS54005: OAuth2 Authorization code was "
                            "already redeemed",
                        },
                    )
                form["refresh_token"] = "ms-refresh"
            if form.get("refresh_token") != "ms-refresh":
                return Answer(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "AADSTS70000: The provided grant has expired",
                    },
                )
            self.issued += 1
            token = f"eyJ0eXAi.ms-{self.issued}"
            self.tokens.add(token)
            return Answer(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "access_token": token,
                    "refresh_token": "ms-refresh",
                    "scope": "Mail.Send Mail.Read",
                },
            )
        if seen.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return Answer(401, UNAUTHENTICATED)
        path = seen.path.removeprefix("/v1.0/me")
        if path == "/sendMail" and seen.method == "POST":
            self.sent.append(json.loads(seen.body))
            return Answer(202, None)
        if path == "/messages":
            return self._page(seen)
        if path == "/mailFolders/inbox/messages/delta":
            return self._delta(seen)
        if path == "/mailFolders/inbox":
            return Answer(
                200,
                {"id": "AQMkAD-inbox", "displayName": "Inbox", "totalItemCount": len(self.inbox)},
            )
        return Answer(404, {"error": {"code": "ResourceNotFound", "message": "not found"}})

    def _page(self, seen: Seen) -> Answer:
        arg = {k: v[0] for k, v in seen.query.items()}
        found = sorted(self.inbox, key=lambda m: m["receivedDateTime"], reverse=True)
        wanted = arg.get("$filter", "")
        if wanted.startswith("from/emailAddress/address eq "):
            address = wanted.split(" eq ", 1)[1].strip("'")
            found = [m for m in found if m["from"]["emailAddress"]["address"] == address]
        elif wanted:
            return Answer(
                400,
                {"error": {"code": "BadRequest", "message": f"Invalid filter clause: {wanted}"}},
            )
        top = int(arg.get("$top", 10))
        skip = int(arg.get("$skip", 0))
        body: dict[str, Any] = {"@odata.context": "...", "value": found[skip : skip + top]}
        if skip + top < len(found):
            body["@odata.nextLink"] = f"{self.url}/v1.0/me/messages?" + urlencode(
                {**arg, "$skip": skip + top}
            )
        return Answer(200, body)

    def _delta(self, seen: Seen) -> Answer:
        arg = {k: v[0] for k, v in seen.query.items()}
        seen_upto = int(arg.get("$deltatoken", 0))
        skip = int(arg.get("$skiptoken", seen_upto))
        page = self.inbox[skip : skip + 2]
        body: dict[str, Any] = {"@odata.context": "...", "value": page}
        if skip + 2 < len(self.inbox):
            body["@odata.nextLink"] = (
                f"{self.url}/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken={skip + 2}"
            )
        else:
            body["@odata.deltaLink"] = (
                f"{self.url}/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken={len(self.inbox)}"
            )
        return Answer(200, body)
