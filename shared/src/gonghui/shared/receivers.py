"""Which addresses a webhook may reach: public ones, and the networks a deployment names for
departments on an internal (government) network.

A department (the partners' door) or a person (notify's channels) gives its own URL, so without
this the platform would post wherever that URL points: the deployment's own services, a cloud's
metadata address. The addresses are checked when the URL is given (a clear refusal) and again
on every connection, on the address actually dialled, so a name that later resolves elsewhere
(DNS rebinding) is refused too.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

import httpcore
import httpx

DEFAULT_PORTS = {"https": 443, "http": 80}


class ReceiverRefused(Exception):
    """An address webhooks will not go to; the message says why (zh / en)."""


def refused_receiver(exc: BaseException) -> ReceiverRefused | None:
    """The refusal behind an HTTP client's connection error, if an address check caused it."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ReceiverRefused):
        # httpcore's pool raises its own error while handling the backend's (context, not cause).
        cause = cause.__cause__ or cause.__context__
    return cause


class ReceiverAddresses:
    """The rule for where webhooks go."""

    def __init__(
        self,
        internal_networks: Sequence[IPv4Network | IPv6Network] = (),
        *,
        anywhere: bool,
        setting: str = "FRONT_PARTNER_WEBHOOK_INTERNAL_NETWORKS",
    ) -> None:
        self._internal = tuple(internal_networks)
        self._anywhere = anywhere
        """Development: every address (a receiver on this machine)."""
        self._setting = setting
        """The environment variable naming the internal networks, for the refusal's text."""

    def allows(self, address: IPv4Address | IPv6Address) -> bool:
        """Public, or in a network the deployment named."""
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if self._anywhere or address.is_global:
            return True
        return any(address in network for network in self._internal)

    async def check_url(self, url: str) -> None:
        """Refuse (ReceiverRefused, naming why) an http(s) URL whose host goes where webhooks
        may not: checked when a URL is given, so the refusal is clear at once."""
        parts = urlsplit(url)
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError as exc:
            raise ReceiverRefused(f"端口无效 / invalid port: {exc}") from exc
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
            raise ReceiverRefused("地址须为 https:// URL / the URL must be an https:// URL")
        await self.resolve(parts.hostname, port)

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to dial for the host, every one allowed, or ReceiverRefused naming why.

        Anywhere goes: the host itself, resolved when dialled as any client would.
        """
        if self._anywhere:
            return [host]
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise ReceiverRefused(
                f"无法解析主机 {host} / the host {host} does not resolve: {exc}"
            ) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        for text in addresses:
            if not self.allows(ip_address(text.partition("%")[0])):
                raise ReceiverRefused(
                    f"{host} 解析为内部地址 {text}，不予推送（如属政务内网，请管理员配置 "
                    f"{self._setting}） / {host} resolves to the internal "
                    f"address {text}; webhooks go to public addresses and the internal networks "
                    "the deployment names"
                )
        return addresses


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Dials only allowed addresses: the host is resolved and checked here, then the checked
    address is dialled (TLS still verifies the certificate against the host name)."""

    def __init__(self, addresses: ReceiverAddresses) -> None:
        self._addresses = addresses
        self._dial = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            address, *_ = await self._addresses.resolve(host, port)
        except ReceiverRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return await self._dial.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def sleep(self, seconds: float) -> None:
        await self._dial.sleep(seconds)


def receivers_client(addresses: ReceiverAddresses, *, timeout_s: float = 5.0) -> httpx.AsyncClient:
    """An HTTP client that connects to allowed addresses only, never through the environment's
    proxies and never following a redirect (it could point anywhere)."""
    transport = httpx.AsyncHTTPTransport()
    # httpx has no parameter for the network backend; its pool is httpcore's, which has.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,  # httpx's defaults
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=_CheckedBackend(addresses),
    )
    return httpx.AsyncClient(transport=transport, follow_redirects=False, timeout=timeout_s)
