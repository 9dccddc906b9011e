"""Idle memory of `gonghui up`, against the same apps each in a process of its own.

Ours: `gonghui up` as a newcomer runs it (embedded Redis, migrations, the three services and
the front), on free ports and a scratch var directory, left idle after every app answers.
Baseline, in the same run: the four apps started the way `gonghui up` used to start them, one
`gonghui serve <app>` each, on the same Redis. Memory is the whole process tree's: resident
(RSS, what `ps` shows) and proportional (PSS, shared pages counted once), read from /proc.

    uv run python -m benchmarks.up_memory [--settle 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from gonghui.cli import embedded_redis
from gonghui.cli.embedded_redis import free_port

APPS = ("stations", "proposals", "notify", "front")
TARGET_MB = 400


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def memory_mb(pids: list[int]) -> tuple[float, float]:
    """(RSS, PSS) of these processes together, in MB."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def wait_ready(urls: list[str], process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Until every URL answers 200 (or the process dies)."""
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"exited with {process.returncode} before {url} answered")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer within {timeout:.0f} s")
            time.sleep(0.5)


@contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process group of its own, stopped with SIGTERM (SIGKILL after 30 s)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def measure(
    label: str,
    commands: list[list[str]],
    env: dict[str, str],
    folder: Path,
    *,
    urls: list[str],
    settle: float,
) -> tuple[float, float]:
    """Start the commands, wait until every app answers, settle, and read the tree's memory."""
    with ExitStack() as stack:
        processes = [
            stack.enter_context(started(command, env, folder / f"{label}-{i}.log"))
            for i, command in enumerate(commands)
        ]
        for process in processes:
            wait_ready(urls, process)
        time.sleep(settle)
        pids = [pid for process in processes for pid in descendants(process.pid)]
        rss, pss = memory_mb(pids)
    print(f"{label}: {len(pids)} processes, RSS {rss:.0f} MB, PSS {pss:.0f} MB")
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=20, help="idle seconds before reading")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="gonghui-up-memory-") as tmp:
        folder = Path(tmp)
        ports = {app: free_port() for app in APPS}
        env = {
            key: value
            for key, value in os.environ.items()
            if key != "REDIS_URL" and "DATABASE_URL" not in key
        }
        env |= {f"{app.upper()}_HTTP_PORT": str(port) for app, port in ports.items()}
        env |= {
            f"FRONT_{app.upper()}_URL": f"http://127.0.0.1:{port}"
            for app, port in ports.items()
            if app != "front"
        }
        env |= {"GONGHUI_VAR_DIR": str(folder / "var"), "GONGHUI_REDIS_PORT": str(free_port())}
        urls = [f"http://127.0.0.1:{port}/readyz" for port in ports.values()]
        gonghui = [sys.executable, "-m", "gonghui.cli"]
        ours = measure("gonghui up", [[*gonghui, "up"]], env, folder, urls=urls, settle=args.settle)
        # The baseline shares one Redis, started on its own, and the migrated databases.
        redis_port = free_port()
        redis_env = {**env, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        subprocess.run([*gonghui, "migrate"], env=redis_env, check=True, capture_output=True)
        server = embedded_redis.start(folder / "baseline-redis", port=redis_port)
        try:
            apart = measure(
                "one process per app",
                [[*gonghui, "serve", app] for app in APPS],
                redis_env,
                folder,
                urls=urls,
                settle=args.settle,
            )
            redis_rss, redis_pss = memory_mb([server.pid])
        finally:
            server.terminate()
            server.wait(timeout=30)
    apart = (apart[0] + redis_rss, apart[1] + redis_pss)
    print(f"one process per app, with its Redis: RSS {apart[0]:.0f} MB, PSS {apart[1]:.0f} MB")
    print(
        f"  => gonghui up RSS {ours[0]:.0f} MB (target ≤ {TARGET_MB}), "
        f"{ours[0] / apart[0]:.2f}x of one process per app"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
