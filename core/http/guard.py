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

_LAST_32_BITS = (
    # IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks to the IPv4
    # address) and IPv4-translated (::ffff:0:a.b.c.d, SIIT).
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    # NAT64: the well-known prefix and the local-use one; a NAT64 gateway forwards to the
    # IPv4 address in the last 32 bits.
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and that a translating or tunnelling
    network may deliver it to: IPv4-mapped, IPv4-compatible and -translated, NAT64, 6to4
    and Teredo (its server and its client)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if any(ip in network for network in _LAST_32_BITS):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_allowed_address(address: str, *, allow_private: bool) -> bool:
    """Whether a resolved IP may be contacted: only globally routable unicast addresses,
    unless private targets are allowed by configuration. An IPv6 address that embeds an
    IPv4 one (`[::127.0.0.1]`, `[64:ff9b::7f00:1]`, `[2002:7f00:1::]`) is allowed only if
    every IPv4 address in it is: the IPv6 form alone often counts as global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if allow_private:
        return True
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        # An IPv4-mapped address is only ever the IPv4 one; the others must pass as both.
        candidates = [*embedded] if ip.ipv4_mapped is not None else [ip, *embedded]
    return all(c.is_global and not c.is_multicast for c in candidates)


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
