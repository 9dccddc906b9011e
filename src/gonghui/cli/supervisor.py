"""`gonghui up`: every process of the system on one machine, watched and stopped together.

`gonghui up` prepares (checks, migrations) and then becomes this module's `main` by exec, so the
process that watches the others holds none of the libraries it needed to prepare.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RESTART_LIMIT = 5
RESTART_WINDOW_S = 60.0


@dataclass
class Child:
    """One supervised process and how often it has died lately."""

    name: str
    command: list[str]
    env: dict[str, str]
    stop_last: bool = False
    process: subprocess.Popen[bytes] | None = None
    deaths: list[float] = field(default_factory=list)

    def start(self) -> None:
        """Start it in a session of its own, so the supervisor decides when it stops."""
        self.process = subprocess.Popen(
            self.command, env=self.env, stdin=subprocess.DEVNULL, start_new_session=True
        )


class Supervisor:
    """Starts children, reports and restarts one that dies, stops all on Ctrl-C or SIGTERM."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._children: list[Child] = []
        self._report = report
        self._stopping = False

    def add(
        self, name: str, command: list[str], env: dict[str, str], *, stop_last: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start a child now; `stop_last` ones (Redis) outlive the others on the way down."""
        child = Child(name=name, command=command, env=env, stop_last=stop_last)
        child.start()
        self._children.append(child)
        assert child.process is not None
        return child.process

    def run(self) -> int:
        """Watch until asked to stop; return the exit code for the command."""
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        code = 0
        try:
            while not self._stopping:
                for child in self._children:
                    if self._stopping:
                        break
                    if child.process is None or child.process.poll() is None:
                        continue
                    code = self._handle_death(child)
                    if code:
                        self._stopping = True
                time.sleep(0.2)
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM the children, those that others depend on last; SIGKILL what will not stop."""
        for stop_last in (False, True):
            self._stop([c for c in self._children if c.stop_last == stop_last], timeout)

    def _stop(self, children: list[Child], timeout: float) -> None:
        for child in children:
            if child.process and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._report(f"{child.name} did not stop in time; killing it")
                child.process.kill()
                child.process.wait()

    def _handle_death(self, child: Child) -> int:
        assert child.process is not None
        now = time.monotonic()
        child.deaths = [t for t in child.deaths if now - t < RESTART_WINDOW_S] + [now]
        self._report(f"{child.name} exited with code {child.process.returncode}")
        if len(child.deaths) >= RESTART_LIMIT:
            self._report(
                f"{child.name} died {len(child.deaths)} times in {RESTART_WINDOW_S:.0f} s; "
                "stopping everything"
            )
            return 1
        self._report(f"restarting {child.name}")
        child.start()
        return 0

    def request_stop(self, signum: int, _frame: object = None) -> None:
        """Ask `run` to stop everything (the SIGINT and SIGTERM handler)."""
        if not self._stopping:
            self._report(f"received {signal.Signals(signum).name}; stopping")
        self._stopping = True


def python_command(*args: str) -> list[str]:
    """Run `python -m gonghui.cli ...` with the interpreter running now."""
    return [sys.executable, "-m", "gonghui.cli", *args]


def child_env(**overrides: str) -> dict[str, str]:
    """The current environment plus overrides, with unbuffered output for live logs."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **overrides}


def say(line: str) -> None:
    """One line of `gonghui up`'s own, as the person running it reads them."""
    print(f"gonghui up: {line}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Start the embedded Redis (if asked) and the services' command; watch both until stopped."""
    parser = argparse.ArgumentParser(prog="python -m gonghui.cli.supervisor")
    parser.add_argument("--embedded-redis-port", type=int, help="start the embedded Redis here")
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--announce", action="append", default=[], help="a line once started")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the services' command")
    args = parser.parse_args(argv)
    supervisor = Supervisor(report=say)
    env = child_env()
    try:
        if args.embedded_redis_port is not None:
            from gonghui.cli import embedded_redis

            port, data_dir = args.embedded_redis_port, args.var_dir / "redis"
            server = supervisor.add(
                "redis", embedded_redis.command(data_dir, port=port), env, stop_last=True
            )
            embedded_redis.wait_until_ready(server, port=port, log=data_dir / "server.log")
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
            (args.var_dir / "redis.url").write_text(env["REDIS_URL"] + "\n")
            say(f"embedded Redis (valkey, AOF on) at {env['REDIS_URL']}, data in {data_dir}/")
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        supervisor.add("services", command, env)
        for line in args.announce:
            say(line)
    except BaseException:
        supervisor.stop_all()
        raise
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
