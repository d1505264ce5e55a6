"""Request rate and latency by route: Litestar's Prometheus middleware, counting also the
requests that end in an error. Litestar turns an exception into its response outside every
middleware, so the plain middleware saw a refused request (401, 404, 422) as a 200 that
took no time."""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import Request
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import Receive, Scope, Send

BUCKETS: list[str | float] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


class RequestMetrics(PrometheusMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request[Any, Any, Any](scope, receive)
        labels = {**self._get_default_labels(request), **self._get_extra_labels(request)}
        span: dict[str, float] = {
            "start_time": time.perf_counter(),
            "duration": 0,
            "status_code": 200,
        }
        in_progress = self.requests_in_progress(labels).labels(*labels.values())
        in_progress.inc()
        try:
            await self.app(scope, receive, self._get_wrapped_send(send, span))
        except Exception as exc:
            status = getattr(exc, "status_code", None) or getattr(exc, "status", None) or 500
            span["status_code"] = int(status)
            span["duration"] = time.perf_counter() - span["start_time"]
            raise
        finally:
            in_progress.dec()
            labels["status_code"] = int(span["status_code"])
            values = [*labels.values()]
            if span["status_code"] >= 500:
                self.requests_error_count(labels).labels(*values).inc()
            self.request_count(labels).labels(*values).inc()
            self.request_time(labels).labels(*values).observe(span["duration"])


def http_metrics() -> PrometheusConfig:
    """Labelled by method, route template (never the ids in a path) and status."""
    return PrometheusConfig(
        app_name="erp",
        prefix="erp_http",
        group_path=True,
        exclude=["^/metrics$"],
        buckets=BUCKETS,
        middleware_class=RequestMetrics,
    )
