"""Which addresses outbound requests may reach, checked when the connection is opened so a
DNS answer that changes between check and connect (rebinding) cannot slip through."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from core.http.errors import OutboundTargetBlocked


def is_allowed_address(address: str, *, allow_private: bool) -> bool:
    """Whether a resolved IP may be contacted: only globally routable unicast addresses,
    unless private targets are allowed by configuration."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if allow_private:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses non-public addresses, then connects to the checked
    address (TLS still verifies the original host name, which httpcore passes to start_tls)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, *, allow_private: bool) -> None:
        self.inner = inner
        self.allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout)
        allowed = [a for a in addresses if is_allowed_address(a, allow_private=self.allow_private)]
        if not allowed:
            raise OutboundTargetBlocked(
                f"{host} resolves to {', '.join(addresses)}, which outbound requests may not "
                "reach (set ERP_HTTP_ALLOW_PRIVATE=true to allow private networks)",
                host=host,
            )
        return await self.inner.connect_tcp(
            allowed[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundTargetBlocked("outbound requests may not use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def _resolve(host: str, port: int, limit: float | None) -> list[str]:
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), limit)
    except (OSError, TimeoutError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)
