"""The base of the local vendor servers on 127.0.0.1: a threaded HTTP/1.1 server that records
every request and answers with the vendor's shapes (or with queued failures)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class VendorServer:
    """A threaded HTTP/1.1 server (keep-alive) that hands every request to `handle`; queued
    `failures` are answered first (a 429 with Retry-After, a 500...)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.failures: list[Answer] = []
        self.connections = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                server.connections += 1

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    unquote(parts.path),
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    raw,
                )
                server.seen.append(seen)
                answer = server.failures.pop(0) if server.failures else server.handle(seen)
                if answer.content_type == "application/json":
                    payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                else:
                    payload = str(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", answer.content_type)
                self.send_header("content-length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # idle keep-alive connections must not hold us
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def handle(self, seen: Seen) -> Answer:
        return Answer(404, {"error": "not found"})

    def __enter__(self) -> VendorServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
