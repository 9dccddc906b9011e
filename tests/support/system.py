"""The whole system as separate processes, for end-to-end tests: services, relays, real streams."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from gonghui.cli import embedded_redis
from gonghui.cli.services import SERVICES
from gonghui.shared.privacy import leaks


@dataclass
class RunningSystem:
    """Base URLs of the running services and the environment they share."""

    urls: dict[str, str]
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: Path | None = None

    def url(self, service: str, path: str = "") -> str:
        """`http://127.0.0.1:<port><path>` of a service."""
        return self.urls[service] + path

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send a signal to one process (`stations`, `notify`, ...)."""
        self.processes[name].send_signal(sig)
        self.processes[name].wait(timeout=15)

    def log(self, name: str) -> str:
        """What a process printed so far."""
        assert self.logs is not None
        return (self.logs / f"{name}.log").read_text(errors="replace")


def wait_until(
    condition: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.1
) -> Any:
    """Poll until `condition()` is truthy and return it; fail with the last value on timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            last = condition()
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T] | T],
    *,
    within: float,
    every: float = 0.1,
    failing: str | Callable[[], str] = "condition not met in time",
) -> T:
    """Call `check` (awaiting what it returns) every `every` s until it gives something truthy,
    and return that; fail after `within` s saying `failing` (called then, if a function)."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(failing() if callable(failing) else failing)
        await asyncio.sleep(every)


@contextlib.contextmanager
def running_system(
    *,
    redis_url: str,
    prefix: str,
    workdir: Path,
    database_urls: dict[str, str] | None = None,
    services: tuple[str, ...] = tuple(SERVICES),
    extra_env: dict[str, str] | None = None,
    front: bool = False,
    redis_mode: str = "single",
) -> Iterator[RunningSystem]:
    """Start each service as a `gonghui serve` process (it relays its own outbox); stop after.

    With `front`, the web front runs too (`urls["front"]`), a client of the services started.
    """
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "GONGHUI_STREAM_PREFIX": prefix,
        "GONGHUI_VAR_DIR": str(workdir / "var"),
        "GONGHUI_REDIS_MODE": redis_mode,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    system = RunningSystem(urls={}, env=env, logs=logs)
    for name in services:
        upper = name.upper()
        env.setdefault(
            f"{upper}_DATABASE_URL",
            (database_urls or {}).get(name) or f"sqlite:///{workdir / name}.db",
        )
        env.setdefault(f"{upper}_RECLAIM_IDLE_MS", "1000")
        env.setdefault(f"{upper}_RECLAIM_INTERVAL_S", "0.5")
        env.setdefault(f"{upper}_KEEPER_INTERVAL_S", "0.3")
    try:
        subprocess.run(
            [sys.executable, "-m", "gonghui.cli", "migrate", *services],
            env=env,
            check=True,
            capture_output=True,
            timeout=600,  # imports alone take minutes on a machine shared by many test runs
        )
        for name in services:
            port = embedded_redis.free_port()
            system.urls[name] = f"http://127.0.0.1:{port}"
            with open(logs / f"{name}.log", "wb") as out:
                system.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "gonghui.cli", "serve", name, "--port", str(port)],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        if front:
            port = embedded_redis.free_port()
            system.urls["front"] = f"http://127.0.0.1:{port}"
            for name in services:
                env[f"FRONT_{name.upper()}_URL"] = system.urls[name]
            with open(logs / "front.log", "wb") as out:
                system.processes["front"] = subprocess.Popen(
                    [sys.executable, "-m", "gonghui.cli", "serve", "front", "--port", str(port)],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        for name in services:
            wait_until(
                lambda n=name: httpx.get(system.url(n, "/readyz"), timeout=2).status_code == 200,
                timeout=300,  # an upper bound: start-up takes minutes on a crowded machine
            )
        if front:
            wait_until(
                lambda: httpx.get(system.url("front", "/healthz"), timeout=2).status_code == 200,
                timeout=300,
            )
        yield system
    finally:
        for process in system.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in system.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    leaked = {
        log.name: found
        for log in logs.glob("*.log")
        if (found := leaks(log.read_text(errors="replace")))
    }
    assert not leaked, f"unmasked personal numbers in service logs: {leaked}"


def restart(system: RunningSystem, name: str) -> None:
    """Start a process of the system again after it was killed."""
    process = system.processes[name]
    assert process.poll() is not None, f"{name} is still running"
    assert system.logs is not None
    with open(system.logs / f"{name}.log", "ab") as out:
        system.processes[name] = subprocess.Popen(
            process.args,
            env=system.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def shared_system(
    redis_url: str, workdir: Path, **options: Any
) -> Iterator[tuple[RunningSystem, str]]:
    """A running system under a key prefix of its own, for the tests of one module to share;
    everything it wrote under the prefix is deleted after. Yields (system, prefix)."""
    import uuid

    from redis import Redis as SyncRedis

    prefix = f"t{uuid.uuid4().hex[:10]}:"
    try:
        with running_system(
            redis_url=redis_url, prefix=prefix, workdir=workdir, **options
        ) as system:
            yield system, prefix
    finally:
        client = SyncRedis.from_url(redis_url)
        try:
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(key)
        finally:
            client.close()
