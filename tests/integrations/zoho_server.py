"""A local Zoho: the accounts server's token endpoint (one per data centre in real life) and
the CRM v2 / Books v3 APIs, with Zoho-oauthtoken auth and Zoho's error bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from tests.integrations.vendors import Answer, Seen, VendorServer

INVALID_TOKEN = {
    "code": "INVALID_TOKEN",
    "details": {},
    "message": "invalid oauth token",
    "status": "error",
}


class Zoho(VendorServer):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.issued = 0
        self.records: dict[str, list[dict[str, Any]]] = {"Leads": []}
        self.books: dict[str, list[dict[str, Any]]] = {"contacts": []}
        self.clock = 0

    def modified(self) -> str:
        self.clock += 1
        return f"2026-11-25T10:{self.clock // 60:02d}:{self.clock % 60:02d}+05:30"

    def handle(self, seen: Seen) -> Answer:
        if seen.path == "/oauth/v2/token":
            form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
            if form.get("grant_type") == "authorization_code":
                if form.get("code") != "zoho-code" or not form.get("code_verifier"):
                    return Answer(200, {"error": "invalid_code"})
                self.issued += 1
                token = f"1000.zoho-access-{self.issued}"
                self.tokens.add(token)
                return Answer(
                    200,
                    {
                        "access_token": token,
                        "refresh_token": "zoho-refresh",
                        "api_domain": self.url,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                    },
                )
            if form.get("refresh_token") != "zoho-refresh":
                return Answer(200, {"error": "invalid_code"})  # Zoho answers 200 with an error
            self.issued += 1
            token = f"1000.zoho-access-{self.issued}"
            self.tokens.add(token)
            return Answer(
                200,
                {
                    "access_token": token,
                    "api_domain": self.url,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                },
            )
        token = seen.headers.get("authorization", "")
        if not token.startswith("Zoho-oauthtoken ") or token.split(" ", 1)[1] not in self.tokens:
            return Answer(401, INVALID_TOKEN)
        if seen.path == "/crm/v2/org":
            return Answer(200, {"org": [{"company_name": "Acme Ltd", "id": "7000001"}]})
        if seen.path.startswith("/crm/v2/"):
            return self._crm(seen, seen.path.removeprefix("/crm/v2/").split("/"))
        if seen.path.startswith("/books/v3/"):
            return self._books(seen, seen.path.removeprefix("/books/v3/").split("/"))
        return Answer(404, {"code": "INVALID_URL_PATTERN", "message": "Please check the URL"})

    def _crm(self, seen: Seen, parts: list[str]) -> Answer:
        module = parts[0]
        if module not in self.records:
            return Answer(
                400,
                {
                    "code": "INVALID_MODULE",
                    "message": "the module name given seems to be invalid",
                    "details": {},
                    "status": "error",
                },
            )
        rows = self.records[module]
        if len(parts) == 1 and seen.method == "POST":
            record = json.loads(seen.body)["data"][0]
            if "@" not in str(record.get("Email", "@")):
                return Answer(
                    400,
                    {
                        "data": [
                            {
                                "code": "INVALID_DATA",
                                "details": {"api_name": "Email"},
                                "message": "invalid data",
                                "status": "error",
                            }
                        ]
                    },
                )
            record = {
                **record,
                "id": str(4150868000000 + len(rows) + 1),
                "Modified_Time": self.modified(),
            }
            rows.append(record)
            return Answer(
                201,
                {
                    "data": [
                        {
                            "code": "SUCCESS",
                            "details": {
                                "Modified_Time": record["Modified_Time"],
                                "id": record["id"],
                                "Created_Time": record["Modified_Time"],
                            },
                            "message": "record added",
                            "status": "success",
                        }
                    ]
                },
            )
        if len(parts) == 2 and parts[1] == "search":
            criteria = seen.query.get("criteria", [""])[0]  # (Field:equals:value)
            field, _, value = criteria.strip("()").partition(":equals:")
            found = [r for r in rows if str(r.get(field)) == value]
            if not found:
                return Answer(204, None)
            return Answer(
                200,
                {
                    "data": found,
                    "info": {
                        "per_page": 200,
                        "count": len(found),
                        "page": 1,
                        "more_records": False,
                    },
                },
            )
        if len(parts) == 2 and seen.method == "PUT":
            record = next((r for r in rows if r["id"] == parts[1]), None)
            if record is None:
                return Answer(
                    400,
                    {
                        "data": [
                            {
                                "code": "INVALID_DATA",
                                "details": {"id": parts[1]},
                                "message": "the related id given seems to be invalid",
                                "status": "error",
                            }
                        ]
                    },
                )
            record.update(json.loads(seen.body)["data"][0])
            record["Modified_Time"] = self.modified()
            return Answer(
                200,
                {
                    "data": [
                        {
                            "code": "SUCCESS",
                            "details": {
                                "Modified_Time": record["Modified_Time"],
                                "id": record["id"],
                            },
                            "message": "record updated",
                            "status": "success",
                        }
                    ]
                },
            )
        if len(parts) == 1 and seen.method == "GET":
            since = seen.headers.get("if-modified-since")
            page = int(seen.query.get("page", ["1"])[0])
            size = int(seen.query.get("per_page", ["200"])[0])
            matching = sorted(
                (r for r in rows if not since or r["Modified_Time"] > since),
                key=lambda r: r["Modified_Time"],
            )
            if not matching:
                return Answer(304, None)
            chunk = matching[(page - 1) * size : page * size]
            return Answer(
                200,
                {
                    "data": chunk,
                    "info": {
                        "per_page": size,
                        "count": len(chunk),
                        "page": page,
                        "more_records": page * size < len(matching),
                    },
                },
            )
        return Answer(405, {"code": "INVALID_REQUEST_METHOD", "message": "not allowed"})

    def _books(self, seen: Seen, parts: list[str]) -> Answer:
        if seen.query.get("organization_id") != ["60001234"]:
            return Answer(
                400,
                {
                    "code": 6041,
                    "message": "This user is not associated with the CompanyID/CompanyName:.",
                },
            )
        entity = parts[0]
        rows = self.books.setdefault(entity, [])
        if seen.method == "POST":
            record = {**json.loads(seen.body), "contact_id": str(460000000 + len(rows) + 1)}
            if any(r.get("contact_name") == record.get("contact_name") for r in rows):
                return Answer(
                    400,
                    {
                        "code": 3062,
                        "message": f'The customer "{record.get("contact_name")}" already exists.',
                    },
                )
            rows.append(record)
            return Answer(
                201, {"code": 0, "message": "The contact has been added.", "contact": record}
            )
        if seen.method == "GET":
            name = seen.query.get("contact_name", [None])[0]
            found = [r for r in rows if name is None or r.get("contact_name") == name]
            return Answer(
                200,
                {
                    "code": 0,
                    "message": "success",
                    entity: found,
                    "page_context": {"page": 1, "per_page": 200, "has_more_page": False},
                },
            )
        return Answer(405, {"code": 5, "message": "Invalid URL Passed"})
