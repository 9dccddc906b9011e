"""The front's client of the services: a read never fails because a kept-alive connection was
closed under it, and a write is never sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from gonghui.front.adapters.services import Services, ServiceUnavailable, services_client

ANSWER = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'
)


class ClosingServer:
    """Answers the first request on each connection and closes it, unanswered, on the next: a
    kept-alive connection the server drops just as the client reuses it."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = False
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                self.requests.append(head.split(b" ", 1)[0])
                if answered:
                    break
                writer.write(ANSWER)
                await writer.drain()
                answered = True
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", 0)


@pytest.fixture
async def server() -> AsyncIterator[tuple[ClosingServer, str]]:
    closing = ClosingServer()
    listening = await closing.start()
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield closing, f"http://127.0.0.1:{port}"


async def test_a_read_over_a_connection_closed_under_it_is_asked_again(server) -> None:
    closing, url = server
    async with services_client() as http:
        services = Services(http, {"proposals": url})
        assert await services.get("proposals", "/proposals") == {"ok": True}
        assert await services.get("proposals", "/proposals") == {"ok": True}
    assert closing.requests == [b"GET", b"GET", b"GET"]


async def test_without_asking_again_the_same_read_fails(server) -> None:
    _, url = server
    async with httpx.AsyncClient() as http:
        services = Services(http, {"proposals": url})
        await services.get("proposals", "/proposals")
        with pytest.raises(ServiceUnavailable):
            await services.get("proposals", "/proposals")


async def test_a_write_is_never_sent_twice(server) -> None:
    closing, url = server
    async with services_client() as http:
        services = Services(http, {"proposals": url})
        await services.get("proposals", "/proposals")
        with pytest.raises(ServiceUnavailable):
            await services.post("proposals", "/proposals/1/accept", json={})
    assert closing.requests == [b"GET", b"POST"]
