"""A department's webhook reaches public addresses and the internal networks a deployment names,
never the platform's own: refused when registered, and again on every connection."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from ipaddress import ip_address, ip_network
from typing import ClassVar

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.front.partner.webhooks import WebhookRefused, Webhooks
from gonghui.shared.receivers import ReceiverAddresses, receivers_client
from gonghui.shared.streams import StreamKeys

PUBLIC_ONLY = ReceiverAddresses(anywhere=False)
INTERNAL = ["127.0.0.1", "10.1.2.3", "192.168.1.10", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused_unless_their_network_is_named(address: str) -> None:
    network = ip_network(address).supernet(8)
    assert not PUBLIC_ONLY.allows(ip_address(address))
    assert ReceiverAddresses([network], anywhere=False).allows(ip_address(address))
    assert ReceiverAddresses(anywhere=True).allows(ip_address(address))


@pytest.mark.parametrize("address", ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "100.64.0.1"])
def test_loopback_in_ipv6_clothing_and_shared_addresses_are_internal_too(address: str) -> None:
    assert not PUBLIC_ONLY.allows(ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert PUBLIC_ONLY.allows(ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://10.20.1.1/hook",
    ],
)
async def test_a_url_reaching_inward_is_refused_with_the_address_named(
    redis: Redis, keys: StreamKeys, url: str
) -> None:
    webhooks = Webhooks(redis, keys, PUBLIC_ONLY)
    with pytest.raises(WebhookRefused, match="内部地址") as refused:
        await webhooks.register("hook-bank", url, feed=False, allow_http=False)
    assert "internal address" in str(refused.value)
    assert await webhooks.get("hook-bank") is None


async def test_a_named_internal_network_and_a_public_address_are_accepted(
    redis: Redis, keys: StreamKeys
) -> None:
    government = ReceiverAddresses([ip_network("10.20.0.0/16")], anywhere=False)
    webhooks = Webhooks(redis, keys, government)
    inside = await webhooks.register(
        "gov-bureau", "https://10.20.1.1/hook", feed=False, allow_http=False
    )
    public = await webhooks.register("a-bank", "https://8.8.8.8/hook", feed=False, allow_http=False)
    assert inside.url == "https://10.20.1.1/hook" and public.url == "https://8.8.8.8/hook"
    with pytest.raises(WebhookRefused, match=r"10\.30\.0\.1"):
        await webhooks.register("gov-other", "https://10.30.0.1/hook", feed=False, allow_http=False)


async def test_an_unresolvable_host_or_a_bad_port_is_refused_with_the_reason(
    redis: Redis, keys: StreamKeys
) -> None:
    webhooks = Webhooks(redis, keys, PUBLIC_ONLY)
    with pytest.raises(WebhookRefused, match="does not resolve"):
        await webhooks.register("b", "https://no-such-host.invalid/h", feed=False, allow_http=False)
    with pytest.raises(WebhookRefused, match="invalid port"):
        await webhooks.register("b", "https://8.8.8.8:99999/h", feed=False, allow_http=False)


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        _Receiver.received.append(self.path)
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    """A receiver on this machine: an internal address, as the platform's own services are."""
    _Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_every_push_is_checked_on_the_address_it_dials(receiver: str) -> None:
    # A URL accepted once (or a name that later resolves inward) is refused when it is pushed to.
    async with receivers_client(PUBLIC_ONLY) as client:
        with pytest.raises(httpx.ConnectError, match=r"internal address 127\.0\.0\.1"):
            await client.post(f"{receiver}/hook", content=b"{}")
    assert _Receiver.received == []

    loopback_allowed = ReceiverAddresses([ip_network("127.0.0.0/8")], anywhere=False)
    async with receivers_client(loopback_allowed) as client:
        answer = await client.post(f"{receiver}/hook", content=b"{}")
    assert answer.status_code == 200 and _Receiver.received == ["/hook"]
