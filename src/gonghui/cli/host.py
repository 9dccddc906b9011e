"""Several apps in one process: each on its own port, one event loop, one set of signals.

`gonghui up` hosts the three services and the front this way: one interpreter holds the
libraries once (about 150 MB in all, where a process each cost about 130 MB apiece), and a
laptop's load is far below one core. Deployments that scale a service run it alone
(`gonghui serve <service>`, one container each).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from gonghui.shared.http import KEEP_ALIVE_S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hosted:
    """One app to host: its uvicorn factory (`module:function`) and where it listens."""

    name: str
    app_factory: str
    host: str
    port: int


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the signals to the host, which stops every server at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server_for(app: Hosted) -> uvicorn.Server:
    """The server of one app, configured as `gonghui serve` configures it."""
    return _Server(
        uvicorn.Config(
            app.app_factory,
            factory=True,
            host=app.host,
            port=app.port,
            log_config=None,  # uvicorn's loggers go to the root handler, which masks numbers
            timeout_graceful_shutdown=10,
            timeout_keep_alive=KEEP_ALIVE_S,
        )
    )


def run(apps: list[Hosted]) -> int:
    """Host the apps on the event loop uvicorn would choose (uvloop where installed)."""
    loop_factory = uvicorn.Config(apps[0].app_factory).get_loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(host(apps))


async def host(apps: list[Hosted]) -> int:
    """Serve every app until SIGINT or SIGTERM; if one stops by itself, stop all and return 1.

    An app that cannot start (its port taken, its lifespan failing) must not leave the others
    running as if the system were whole: the supervisor restarts the process instead.
    """
    servers = {app.name: server_for(app) for app in apps}
    stopping = asyncio.Event()

    def stop_all() -> None:
        stopping.set()
        for server in servers.values():
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    tasks = {asyncio.create_task(server.serve()): name for name, server in servers.items()}
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    failed = not stopping.is_set()
    if failed:
        names = ", ".join(tasks[task] for task in done)
        log.error("%s stopped by itself; stopping the others so the whole can restart", names)
    stop_all()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for name, result in zip(tasks.values(), results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, SystemExit):
            log.error("%s failed: %r", name, result)
    return 1 if failed else 0
