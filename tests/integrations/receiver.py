"""A local receiver for outgoing webhooks and a small JSON API for the custom-API
integration (API key, bearer and basic auth; next-link, cursor and page pagination)."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.integrations.vendors import Answer, Seen, VendorServer

ORDERS = [{"id": n, "total": n * 10} for n in range(1, 8)]


class Receiver(VendorServer):
    """Accepts every POST (unless failures are queued) and keeps it."""

    def handle(self, seen: Seen) -> Answer:
        return Answer(204, None)


class ShopApi(VendorServer):
    def __init__(self) -> None:
        super().__init__()
        self.credentials = {"X-Api-Key": "key-1", "bearer": "tok-2", "basic": ("shop", "pw-3")}

    def _authorised(self, seen: Seen) -> bool:
        header = seen.headers.get("authorization", "")
        if seen.headers.get("x-api-key") == "key-1" or seen.query.get("api_key") == ["key-1"]:
            return True
        if header == "Bearer tok-2":
            return True
        if header.startswith("Basic "):
            return base64.b64decode(header[6:]).decode() == "shop:pw-3"
        return False

    def handle(self, seen: Seen) -> Answer:
        if not self._authorised(seen):
            return Answer(401, {"error": "unauthorised"})
        arg = {k: v[0] for k, v in seen.query.items()}
        if seen.path == "/orders/links":
            start = int(arg.get("after", 0))
            body: dict[str, Any] = {"orders": ORDERS[start : start + 3]}
            if start + 3 < len(ORDERS):
                body["links"] = {"next": f"/orders/links?after={start + 3}"}
            return Answer(200, body)
        if seen.path == "/orders/cursor":
            start = int(arg.get("cursor") or 0)
            nxt = start + 3 if start + 3 < len(ORDERS) else None
            return Answer(200, {"data": ORDERS[start : start + 3], "meta": {"next_cursor": nxt}})
        if seen.path == "/orders/pages":
            page = int(arg.get("page", 1))
            return Answer(200, {"items": ORDERS[(page - 1) * 3 : page * 3]})
        if seen.path == "/customers" and seen.method == "POST":
            data = json.loads(seen.body)
            return Answer(
                201,
                {
                    "customer": {
                        "id": "cus_9",
                        "name": data["name"],
                        "echo": {"query": arg, "tag": seen.headers.get("x-tag")},
                    }
                },
            )
        return Answer(404, {"error": "no such path"})
