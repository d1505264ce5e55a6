"""A local Google: the OAuth consent page a browser is sent to, the token endpoint
(refresh-token, authorisation-code with PKCE and JWT-bearer grants), the Sheets v4 values API
and the Gmail v1 API, with Google's error bodies."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt

from tests.integrations.vendors import Answer, Seen, VendorServer


class Google(VendorServer):
    """oauth2.googleapis.com/token (refresh-token and JWT-bearer grants) and the Sheets v4
    values API over one in-memory spreadsheet per id. Access tokens can be expired at will."""

    def __init__(self) -> None:
        super().__init__()
        self.refresh_tokens = {"good-refresh-token"}
        self.codes: dict[str, str] = {}
        """Authorisation codes handed out at consent -> the PKCE challenge they were for."""
        self.consents: list[dict[str, str]] = []
        """The queries of the consent pages shown (what the platform asked for)."""
        self.service_account_key: Any = None
        """The public key of the service account whose JWTs the token endpoint accepts."""
        self.assertions: list[dict[str, Any]] = []
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.sheets: dict[str, list[list[Any]]] = {}
        self.lock = threading.Lock()
        self.mailbox: list[dict[str, Any]] = []
        self.history_id = 1000
        self.sent: list[bytes] = []

    def deliver(self, sender: str, subject: str) -> str:
        """A message arrives in the mailbox (a new history record)."""
        with self.lock:
            self.history_id += 1
            message_id = f"18c{self.history_id:x}"
            self.mailbox.append(
                {
                    "id": message_id,
                    "threadId": message_id,
                    "from": sender,
                    "subject": subject,
                    "historyId": self.history_id,
                }
            )
            return message_id

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def _token(self, seen: Seen) -> Answer:
        form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token" and form.get("refresh_token") not in self.refresh_tokens:
            return Answer(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        if grant == "refresh_token" and form.get("client_secret") != "client-secret":
            return Answer(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if grant == "authorization_code":
            return self._redeem(form)
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                claims = jwt.decode(
                    form.get("assertion", ""),
                    self.service_account_key,
                    algorithms=["RS256"],
                    audience=self.url + "/token",
                )
            except jwt.PyJWTError as exc:
                return Answer(400, {"error": "invalid_grant", "error_description": str(exc)})
            self.assertions.append(claims)
        if grant not in ("refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"):
            return Answer(400, {"error": "unsupported_grant_type"})
        self.issued += 1
        token = f"ya29.token-{self.issued}"
        self.valid_tokens.add(token)
        return Answer(
            200,
            {
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/spreadsheets",
            },
        )

    def _redeem(self, form: dict[str, str]) -> Answer:
        challenge = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge is None or expected.decode() != challenge:
            return Answer(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        self.refresh_tokens.add("refresh-from-code")
        self.issued += 1
        token = f"ya29.token-{self.issued}"
        self.valid_tokens.add(token)
        return Answer(
            200,
            {
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "refresh_token": "refresh-from-code",
            },
        )

    def _consent(self, seen: Seen) -> Answer:
        """accounts.google.com/o/oauth2/v2/auth: the page where the user allows access; Allow
        goes back to the redirect URI with a code (for the PKCE challenge) and the scopes, as
        Google sends them, Cancel with `error=access_denied`."""
        query = {k: v[0] for k, v in seen.query.items()}
        if query.get("client_id") != "client-id" or query.get("response_type") != "code":
            return Answer(400, "<h1>Error 401: invalid_client</h1>", content_type="text/html")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Answer(400, "<h1>Error 400: invalid_request</h1>", content_type="text/html")
        with self.lock:
            code = f"4/0AeanS0b-code-{len(self.codes) + len(self.consents) + 1}"
            self.codes[code] = query["code_challenge"]
            self.consents.append(query)
        back = query["redirect_uri"]
        allow = (
            back
            + "?"
            + urlencode(
                {
                    "state": query.get("state", ""),
                    "code": code,
                    "scope": query.get("scope", ""),
                    "authuser": "0",
                    "prompt": "consent",
                }
            )
        )
        deny = back + "?" + urlencode({"error": "access_denied", "state": query.get("state", "")})
        scopes = "".join(f"<li>{escape(s)}</li>" for s in query.get("scope", "").split())
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in - Google"
            "Accounts</title></head><body><main><h1>ERP Builder wants to access your Google "
            f'Account</h1><ul>{scopes}</ul><a href="{escape(deny)}">Cancel</a> '
            f'<a href="{escape(allow)}">Allow</a></main></body></html>'
        )
        return Answer(200, page, content_type="text/html")

    def handle(self, seen: Seen) -> Answer:
        if seen.path == "/token":
            return self._token(seen)
        if seen.path == "/auth" and seen.method == "GET":
            return self._consent(seen)
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            return Answer(
                401,
                {
                    "error": {
                        "code": 401,
                        "status": "UNAUTHENTICATED",
                        "message": "Request had invalid authentication credentials.",
                    }
                },
            )
        if seen.path.startswith("/gmail/v1/users/me/"):
            return self._gmail(seen, seen.path.removeprefix("/gmail/v1/users/me/"))
        match = re.fullmatch(r"/v4/spreadsheets/([^/]+)/values/([^:]+)(:append)?", seen.path)
        if not match:
            sheet = re.fullmatch(r"/v4/spreadsheets/([^/]+)", seen.path)
            if sheet and sheet.group(1) in self.sheets:
                return Answer(
                    200, {"spreadsheetId": sheet.group(1), "properties": {"title": "Expenses"}}
                )
            return Answer(
                404,
                {
                    "error": {
                        "code": 404,
                        "status": "NOT_FOUND",
                        "message": "Requested entity was not found.",
                    }
                },
            )
        sheet_id, range_, append = match.groups()
        if sheet_id not in self.sheets:
            return Answer(
                404,
                {
                    "error": {
                        "code": 404,
                        "status": "NOT_FOUND",
                        "message": "Requested entity was not found.",
                    }
                },
            )
        rows = self.sheets[sheet_id]
        tab = range_.split("!")[0]
        with self.lock:
            if append and seen.method == "POST":
                body = json.loads(seen.body)
                start = len(rows) + 1
                rows.extend(body["values"])
                end = len(rows)
                return Answer(
                    200,
                    {
                        "spreadsheetId": sheet_id,
                        "tableRange": f"{tab}!A1:F{start - 1}",
                        "updates": {
                            "spreadsheetId": sheet_id,
                            "updatedRange": f"{tab}!A{start}:F{end}",
                            "updatedRows": len(body["values"]),
                            "updatedColumns": 6,
                            "updatedCells": 6,
                        },
                    },
                )
            if seen.method == "GET":
                return Answer(
                    200,
                    {"range": f"{tab}!A1:Z{len(rows)}", "majorDimension": "ROWS", "values": rows},
                )
            if seen.method == "PUT":
                body = json.loads(seen.body)
                number = int(re.search(r"(\d+)", range_.split("!")[-1]).group(1))  # type: ignore[union-attr]
                for offset, row in enumerate(body["values"]):
                    while len(rows) < number + offset:
                        rows.append([])
                    rows[number + offset - 1] = row
                return Answer(
                    200,
                    {
                        "spreadsheetId": sheet_id,
                        "updatedRange": range_,
                        "updatedRows": len(body["values"]),
                        "updatedCells": sum(len(r) for r in body["values"]),
                    },
                )
        return Answer(405, {"error": {"code": 405, "message": "method"}})

    def _gmail(self, seen: Seen, path: str) -> Answer:
        """users.getProfile, messages.list (q: from:), messages.get (metadata), history.list,
        messages.send."""
        arg = {k: v[0] for k, v in seen.query.items()}
        if path == "profile":
            return Answer(
                200,
                {
                    "emailAddress": "ap@acme.example",
                    "messagesTotal": len(self.mailbox),
                    "threadsTotal": len(self.mailbox),
                    "historyId": str(self.history_id),
                },
            )
        if path == "messages" and seen.method == "GET":
            query = arg.get("q", "")
            wanted = query.removeprefix("from:") if query.startswith("from:") else None
            found = [m for m in reversed(self.mailbox) if wanted is None or wanted in m["from"]]
            start = int(arg.get("pageToken") or 0)
            size = int(arg.get("maxResults") or 100)
            page = found[start : start + size]
            body: dict[str, Any] = {
                "messages": [{"id": m["id"], "threadId": m["threadId"]} for m in page],
                "resultSizeEstimate": len(found),
            }
            if start + size < len(found):
                body["nextPageToken"] = str(start + size)
            if not page:
                del body["messages"]
            return Answer(200, body)
        if path.startswith("messages/") and seen.method == "GET":
            message = next((m for m in self.mailbox if m["id"] == path.split("/")[1]), None)
            if message is None:
                return Answer(
                    404,
                    {
                        "error": {
                            "code": 404,
                            "status": "NOT_FOUND",
                            "message": "Requested entity was not found.",
                        }
                    },
                )
            return Answer(
                200,
                {
                    "id": message["id"],
                    "threadId": message["threadId"],
                    "labelIds": ["INBOX", "UNREAD"],
                    "snippet": message["subject"],
                    "historyId": str(message["historyId"]),
                    "internalDate": "1764000000000",
                    "payload": {
                        "mimeType": "text/plain",
                        "headers": [
                            {"name": "From", "value": message["from"]},
                            {"name": "To", "value": "ap@acme.example"},
                            {"name": "Subject", "value": message["subject"]},
                            {"name": "Date", "value": "Tue, 25 Nov 2026 10:00:00 +0000"},
                        ],
                    },
                },
            )
        if path == "history":
            start = int(arg["startHistoryId"])
            if start < 1000:
                return Answer(
                    404,
                    {
                        "error": {
                            "code": 404,
                            "status": "NOT_FOUND",
                            "message": "Requested entity was not found.",
                        }
                    },
                )
            records = [
                {
                    "id": str(m["historyId"]),
                    "messages": [{"id": m["id"]}],
                    "messagesAdded": [
                        {
                            "message": {
                                "id": m["id"],
                                "threadId": m["threadId"],
                                "labelIds": ["INBOX"],
                            }
                        }
                    ],
                }
                for m in self.mailbox
                if m["historyId"] > start
            ]
            body = {"historyId": str(self.history_id)}
            if records:
                body["history"] = records  # type: ignore[assignment]
            return Answer(200, body)
        if path == "messages/send" and seen.method == "POST":
            raw = json.loads(seen.body)["raw"]
            self.sent.append(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            return Answer(
                200,
                {
                    "id": f"sent{len(self.sent)}",
                    "threadId": f"sent{len(self.sent)}",
                    "labelIds": ["SENT"],
                },
            )
        return Answer(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": path}})
