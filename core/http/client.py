"""GuardedHttpClient: timeouts, bounded retries, a response size cap and no private targets
unless configuration allows them. Actions and integrations reach the network only here."""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from core.http.errors import OutboundRequestFailed, OutboundTargetBlocked, ResponseTooLarge
from core.http.guard import GuardedNetworkBackend
from core.settings import AutomationSettings

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
USER_AGENT = "ERP-Builder/0.1 (+automation)"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A completed response whose body has been read (within the size cap)."""

    status_code: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # httpx offers no way to hand its pool a network backend, so the pool is rebuilt
        # around the guarded one; everything else of the transport stays httpx's own.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedNetworkBackend(
                httpcore.AnyIOBackend(), allow_private=allow_private
            ),
        )


class GuardedHttpClient:
    """One per process; safe to share between concurrent actions."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        allow_private: bool = False,
        max_response_bytes: int = 1024 * 1024,
    ) -> None:
        self.retries = retries
        self.max_response_bytes = max_response_bytes
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(allow_private=allow_private),
            timeout=timeout,
            follow_redirects=True,
            max_redirects=5,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    @classmethod
    def from_settings(cls, settings: AutomationSettings) -> GuardedHttpClient:
        return cls(
            timeout=settings.http_timeout,
            retries=settings.http_retries,
            allow_private=settings.http_allow_private,
            max_response_bytes=settings.http_max_response_bytes,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        params: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> HttpResponse:
        """Send a request and read its body. Connection failures are retried; timeouts and
        502/503/504 answers are retried only for idempotent methods, since a POST may have
        taken effect. Raises OutboundTargetBlocked, ResponseTooLarge or OutboundRequestFailed;
        an HTTP error status is returned, not raised."""
        method = method.upper()
        if not url.startswith(("http://", "https://")):
            raise OutboundRequestFailed(f"only http and https URLs may be requested, not {url!r}")
        idempotent = method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            try:
                response = await self._send(
                    method, url, headers, json, content, params, timeout_seconds
                )
            except OutboundTargetBlocked:
                raise
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt >= self.retries:
                    raise OutboundRequestFailed(f"{method} {url}: {_reason(exc)}") from exc
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if not idempotent or attempt >= self.retries:
                    raise OutboundRequestFailed(f"{method} {url}: {_reason(exc)}") from exc
            except httpx.HTTPError as exc:
                raise OutboundRequestFailed(f"{method} {url}: {_reason(exc)}") from exc
            else:
                retry = idempotent and response.status_code in RETRYABLE_STATUSES
                if not retry or attempt >= self.retries:
                    return response
            attempt += 1
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None,
        json: Any,
        content: bytes | str | None,
        params: dict[str, Any] | None,
        timeout_seconds: float | None,
    ) -> HttpResponse:
        extra: dict[str, Any] = {} if timeout_seconds is None else {"timeout": timeout_seconds}
        async with self._client.stream(
            method, url, headers=headers, json=json, content=content, params=params, **extra
        ) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_response_bytes:
                    raise ResponseTooLarge(
                        f"{method} {url}: response is larger than {self.max_response_bytes} bytes"
                    )
            return HttpResponse(
                status_code=response.status_code,
                url=str(response.url),
                headers=dict(response.headers),
                content=bytes(body),
            )

    async def aclose(self) -> None:
        await self._client.aclose()


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
