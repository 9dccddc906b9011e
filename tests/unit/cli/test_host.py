"""Several apps in one process: all answer, all stop together, and one failing stops the rest."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from gonghui.cli.embedded_redis import free_port


def app_factory() -> Callable[..., Awaitable[None]]:
    """The smallest ASGI app: answers every request with its own port."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(scope["server"][1]).encode()})

    return app


def hosting(*ports: int) -> subprocess.Popen[bytes]:
    """A process hosting one tiny app on each port."""
    apps = ", ".join(
        f"Hosted('app{port}', 'tests.unit.cli.test_host:app_factory', '127.0.0.1', {port})"
        for port in ports
    )
    script = f"import sys\nfrom gonghui.cli.host import Hosted, run\nsys.exit(run([{apps}]))\n"
    return subprocess.Popen([sys.executable, "-c", script])


def answers(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=1).text
    except httpx.HTTPError:
        return None


def test_every_app_answers_on_its_port_and_sigterm_stops_them_all() -> None:
    ports = [free_port(), free_port()]
    process = hosting(*ports)
    try:
        deadline = time.monotonic() + 60
        while [answers(port) for port in ports] != [str(port) for port in ports]:
            assert process.poll() is None
            assert time.monotonic() < deadline, "the hosted apps never all answered"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert [answers(port) for port in ports] == [None, None]
    finally:
        process.kill()


def test_an_app_that_cannot_start_stops_the_others_so_the_whole_restarts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = hosting(free_port(), taken.getsockname()[1])
        try:
            assert process.wait(timeout=60) != 0
        finally:
            process.kill()


def test_an_idle_kept_alive_connection_outlives_the_clients_that_reuse_it() -> None:
    # uvicorn's own default closed an idle connection after 5 s, the very moment httpx's
    # clients (5 s too) send their next request on it: that request failed unanswered.
    port = free_port()
    process = hosting(port)
    try:
        deadline = time.monotonic() + 60
        while answers(port) != str(port):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            for pause in (0, 6):
                time.sleep(pause)
                connection.request("GET", "/")  # on the same connection: it never reconnects
                assert connection.getresponse().read() == str(port).encode()
        finally:
            connection.close()
    finally:
        process.kill()
