"""HTTP for one integration: its own connection pool, a rate limit, retries on 429 and 5xx
that honour Retry-After, credentials applied per request with one refresh on a 401, and a
redacted summary of every exchange for the run log."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from core.http import GuardedHttpClient, HttpResponse
from core.integrations.auth import AuthScheme, NoAuth
from core.metrics import INTEGRATION_CALL_SECONDS, INTEGRATION_CALLS
from core.settings import Settings

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
ERROR_BODY_IN_LOG = 500


class RateLimiter:
    """Token bucket: `rate` requests a second on average, bursts of up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                await asyncio.sleep((1 - self.tokens) / self.rate)
                self.updated = time.monotonic()
                self.tokens = 1.0
            self.tokens -= 1


@dataclass(slots=True)
class _Pool:
    client: GuardedHttpClient
    limiter: RateLimiter


# Connections belong to the event loop that opened them, so pools are kept per loop.
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Pool]] = (
    weakref.WeakKeyDictionary()
)


def pool_for(integration_id: str, settings: Settings) -> tuple[GuardedHttpClient, RateLimiter]:
    """The integration's own client (one connection pool, reused by every call of this
    integration in this process) and its rate limiter."""
    pools = _pools.setdefault(asyncio.get_running_loop(), {})
    pool = pools.get(integration_id)
    if pool is None:
        auto = settings.automation
        client = GuardedHttpClient(
            timeout=auto.http_timeout,
            retries=auto.http_retries,
            allow_private=auto.http_allow_private,
            max_response_bytes=auto.http_max_response_bytes,
        )
        pool = pools[integration_id] = _Pool(
            client, RateLimiter(settings.integrations.rate_per_second)
        )
    return pool.client, pool.limiter


async def close_pools() -> None:
    """Close this loop's integration pools (at process or test shutdown)."""
    pools = _pools.pop(asyncio.get_running_loop(), {})
    for pool in pools.values():
        await pool.client.aclose()


@dataclass(slots=True)
class VendorHttp:
    """What an integration plugin calls its vendor with."""

    client: GuardedHttpClient
    limiter: RateLimiter
    auth: AuthScheme = field(default_factory=NoAuth)
    retries: int = 3
    max_retry_after: float = 30.0
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    """Redacted summary of each exchange (method, URL without query, status, milliseconds)."""
    kind: str = ""
    """The integration type, as the call metrics name it."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        params: dict[str, Any] | None = None,
        authorize: bool = True,
    ) -> HttpResponse:
        """Send a request as the integration. Vendor error statuses are returned, not raised
        (after the retries for 429/5xx and the one refresh for 401)."""
        method = method.upper()
        attempt = 0
        refreshed = False
        while True:
            await self.limiter.wait()
            sent_headers = dict(headers or {})
            sent_params = dict(params or {})
            if authorize:
                await self.auth.apply(sent_headers, sent_params)
            target = url
            if sent_params and urlsplit(url).query:
                # httpx replaces a URL's query with `params`; a next link keeps its own.
                target, sent_params = _merge_query(url, sent_params)
            started = time.perf_counter()
            response = await self.client.request(
                method,
                target,
                headers=sent_headers,
                json=json,
                content=content,
                params=sent_params or None,
            )
            self._log(method, url, response, started)
            status = response.status_code
            if status == 401 and authorize and not refreshed and await self.auth.refresh():
                refreshed = True
                continue
            # A POST that got a 5xx may have taken effect; 429 and 503 say it did not.
            retryable = status in (429, 503) or (status >= 500 and method in IDEMPOTENT)
            if retryable and attempt < self.retries:
                delay = retry_after(response)
                delay = min(0.2 * 2**attempt, 5.0) if delay is None else delay
                if delay <= self.max_retry_after:
                    attempt += 1
                    await asyncio.sleep(delay)
                    continue
            return response

    def _log(self, method: str, url: str, response: HttpResponse, started: float) -> None:
        parts = urlsplit(url)
        entry: dict[str, Any] = {
            "method": method,
            "url": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if response.status_code >= 400:
            entry["error"] = response.text[:ERROR_BODY_IN_LOG]
        self.exchanges.append(entry)
        INTEGRATION_CALLS.labels(self.kind, f"{response.status_code // 100}xx").inc()
        INTEGRATION_CALL_SECONDS.labels(self.kind).observe(time.perf_counter() - started)


def _merge_query(url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(url)
    merged: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        merged.setdefault(key, []).append(value)
    merged.update(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", parts.fragment)), merged


def retry_after(response: HttpResponse) -> float | None:
    """Seconds the vendor asks us to wait (Retry-After as seconds or an HTTP date)."""
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
