"""The metrics port of a background process (worker, relay, scheduler): /metrics in
Prometheus's text format, for a bearer of ERP_METRICS_TOKEN, served by a thread of the
process (a Celery worker's main process answers for its pool's processes too)."""

from __future__ import annotations

import logging
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.metrics import authorized, latest, use_multiprocess
from core.settings import Settings

log = logging.getLogger("erp.metrics")


class _Handler(BaseHTTPRequestHandler):
    token: str = ""

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self._answer(404, b"not found\n", "text/plain")
        elif not authorized(self.headers.get("Authorization"), self.token):
            self._answer(401, b"bearer token required\n", "text/plain")
        else:
            body, content_type = latest()
            self._answer(200, body, content_type)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="metrics"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not worth a line
        pass


def serve_metrics(settings: Settings, port: int | None, kind: str) -> ThreadingHTTPServer | None:
    """Open the process's metrics port, if one is set (ERP_<KIND>_METRICS_PORT)."""
    if port is None or not settings.observability.metrics_token:
        return None
    handler = type("MetricsHandler", (_Handler,), {"token": settings.observability.metrics_token})
    server = ThreadingHTTPServer((settings.observability.metrics_host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"{kind}-metrics", daemon=True).start()
    log.info("%s metrics on http://%s:%d/metrics", kind, settings.observability.metrics_host, port)
    return server


def serve_worker_metrics(settings: Settings) -> ThreadingHTTPServer | None:
    """In a Celery worker's main process, before its pool forks: the pool's processes record
    into files (multiprocess mode) that this process's port adds up."""
    port = settings.observability.worker_metrics_port
    if port is None:
        return None
    use_multiprocess(Path(tempfile.mkdtemp(prefix="erp-worker-metrics-")))
    return serve_metrics(settings, port, "worker")
