"""Real local sinks on 127.0.0.1 for channel tests: an HTTP server and an SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from gonghui.cli.embedded_redis import free_port


@dataclass
class Request:
    """One HTTP request a sink received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class HttpSink:
    """A tiny HTTP/1.1 server; answers each path with the next scripted status (then 200)."""

    port: int = 0
    received: list[Request] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)
    """Response body by path prefix; by default what DingTalk, WeCom and Feishu say on success."""

    def url(self, path: str = "/") -> str:
        """`http://127.0.0.1:<port><path>`."""
        return f"http://127.0.0.1:{self.port}{path}"

    def fail(self, path: str, *statuses: int) -> None:
        """Answer the next requests to `path` with these statuses."""
        self.script.setdefault(path, []).extend(statuses)

    def to(self, path_prefix: str) -> list[Request]:
        """Requests received on paths starting with `path_prefix`."""
        return [r for r in self.received if r.path.startswith(path_prefix)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append(Request(method, path, headers, body))
                route = path.split("?")[0]
                queued = self.script.get(route) or []
                status = queued.pop(0) if queued else 200
                answer = next(
                    (b for prefix, b in self.bodies.items() if route.startswith(prefix)),
                    b'{"errcode":0,"code":0,"StatusCode":0}',
                )
                writer.write(
                    f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()


@contextlib.asynccontextmanager
async def http_sink() -> AsyncIterator[HttpSink]:
    """An HTTP sink listening on a free loopback port for the test's duration."""
    sink = HttpSink(port=free_port())
    server = await asyncio.start_server(sink._handle, "127.0.0.1", sink.port)
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Mail:
    """One message an SMTP sink accepted."""

    sender: str
    recipients: list[str]
    content: bytes


class _Collect:
    def __init__(self, inbox: list[Mail], lock: threading.Lock) -> None:
        self._inbox, self._lock = inbox, lock

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self._inbox.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[int, list[Mail]]]:
    """An SMTP server (aiosmtpd) on a free loopback port; yields (port, received mails)."""
    inbox: list[Mail] = []
    port = free_port()
    controller = Controller(_Collect(inbox, threading.Lock()), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@contextlib.contextmanager
def threaded_http_sink() -> Iterator[HttpSink]:
    """An HTTP sink on its own thread and loop, for tests that block (e2e `wait_until`)."""
    sink = HttpSink(port=free_port())
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> asyncio.AbstractServer:
        server = await asyncio.start_server(sink._handle, "127.0.0.1", sink.port)
        started.set()
        return server

    async def shutdown(server: asyncio.AbstractServer) -> None:
        server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(serve(), loop).result(timeout=10)
    started.wait(10)
    try:
        yield sink
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(server), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
