"""The guarded HTTP client refuses private, loopback and link-local targets unless allowed,
bounds response sizes and waiting times, and retries only what is safe to retry."""

from __future__ import annotations

import socket
import time

import pytest

from core.http import (
    GuardedHttpClient,
    OutboundRequestFailed,
    OutboundTargetBlocked,
    ResponseTooLarge,
    is_allowed_address,
)
from tests.world.services import HttpReceiver


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.5",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        # IPv6 forms that carry a loopback or private IPv4 address
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:0:7f00:1",  # IPv4-translated
        "64:ff9b::7f00:1",  # NAT64, well-known prefix
        "64:ff9b::a00:1",  # NAT64 to 10.0.0.1
        "64:ff9b:1::c0a8:1",  # NAT64, local-use prefix
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert not is_allowed_address(address, allow_private=False)
    assert is_allowed_address(address, allow_private=True)


def test_public_addresses_are_allowed() -> None:
    assert is_allowed_address("93.184.216.34", allow_private=False)
    assert is_allowed_address("2606:4700::1111", allow_private=False)
    # embedding a public IPv4 address is no reason to refuse
    assert is_allowed_address("64:ff9b::808:808", allow_private=False)
    assert is_allowed_address("2002:808:808::1", allow_private=False)


async def test_an_ipv6_literal_embedding_loopback_is_refused_before_connecting() -> None:
    client = GuardedHttpClient(allow_private=False, retries=0)
    try:
        for host in ("[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]"):
            with pytest.raises(OutboundTargetBlocked):
                await client.request("GET", f"http://{host}:9/")
    finally:
        await client.aclose()


async def test_loopback_is_blocked_by_default_and_reachable_when_allowed(
    receiver: HttpReceiver,
) -> None:
    strict = GuardedHttpClient(allow_private=False)
    relaxed = GuardedHttpClient(allow_private=True)
    try:
        with pytest.raises(OutboundTargetBlocked):
            await strict.request("GET", receiver.url + "/x")
        with pytest.raises(OutboundTargetBlocked):
            await strict.request("GET", f"http://localhost:{receiver.server.server_port}/x")
        assert receiver.requests == []
        response = await relaxed.request("POST", receiver.url + "/x", json={"a": 1})
        assert response.status_code == 200 and response.json() == {"ok": True}
        assert receiver.requests[0].body == {"a": 1}
    finally:
        await strict.aclose()
        await relaxed.aclose()


async def test_only_idempotent_requests_are_retried_on_server_errors(
    receiver: HttpReceiver,
) -> None:
    client = GuardedHttpClient(allow_private=True, retries=2)
    try:
        receiver.statuses = [503, 503]
        assert (await client.request("GET", receiver.url)).status_code == 200
        assert len(receiver.requests) == 3
        receiver.statuses = [503]
        assert (await client.request("POST", receiver.url)).status_code == 503
        assert len(receiver.requests) == 4
    finally:
        await client.aclose()


async def test_limits_and_bad_targets_are_errors(receiver: HttpReceiver) -> None:
    client = GuardedHttpClient(allow_private=True, retries=1, max_response_bytes=5)
    try:
        with pytest.raises(ResponseTooLarge):
            await client.request("GET", receiver.url)
        with socket.socket() as refusing:
            # Bound but never listening: connections are refused, and no server another test
            # starts meanwhile can take the port (a port only looked up and closed could be,
            # and then received this request).
            refusing.bind(("127.0.0.1", 0))
            with pytest.raises(OutboundRequestFailed):
                await client.request("GET", f"http://127.0.0.1:{refusing.getsockname()[1]}/")
        with pytest.raises(OutboundRequestFailed):
            await client.request("GET", "file:///etc/passwd")
    finally:
        await client.aclose()


async def test_a_receiver_that_does_not_answer_times_out(receiver: HttpReceiver) -> None:
    client = GuardedHttpClient(allow_private=True, retries=2)
    receiver.hold.clear()  # the receiver reads the request and never answers in time
    try:
        started = time.monotonic()
        with pytest.raises(OutboundRequestFailed):
            await client.request("POST", receiver.url + "/slow", json={}, timeout_seconds=0.3)
        # A POST that may have taken effect is not sent again after a timeout.
        assert time.monotonic() - started < 2
        assert len(receiver.requests) == 1
    finally:
        receiver.hold.set()
        await client.aclose()
