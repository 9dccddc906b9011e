"""Commands never guess where Redis is, and `gonghui up` never moves its Redis to another port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gonghui.cli import embedded_redis


def gonghui(*args: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `gonghui ...` with no REDIS_URL inherited, its var folder at `var_dir`."""
    unset = {"REDIS_URL", "GONGHUI_REDIS_PORT"}
    inherited = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", *args],
        env={**inherited, "GONGHUI_VAR_DIR": str(var_dir), **env},
        capture_output=True,
        text=True,
        timeout=240,  # a loaded machine takes a minute and more to start the command line
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_up_stops_when_its_redis_port_is_taken(taken_port: int, tmp_path: Path, how: str) -> None:
    if how == "option":
        result = gonghui("up", "--redis-port", str(taken_port), var_dir=tmp_path)
    else:
        result = gonghui("up", var_dir=tmp_path, GONGHUI_REDIS_PORT=str(taken_port))

    assert result.returncode == 2, result.stdout + result.stderr
    assert f"port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "--redis-port" in result.stderr and "GONGHUI_REDIS_PORT" in result.stderr
    assert not (tmp_path / "redis.url").exists(), "no URL may be written for a server not started"
    assert "migrations applied" not in result.stdout


@pytest.mark.parametrize(
    "command",
    [("dept", "list"), ("relay", "stations")],
    ids=" ".join,
)
def test_without_redis_url_or_var_file_a_command_says_where_it_looked(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = gonghui(*command, var_dir=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "REDIS_URL is not set" in result.stderr
    assert str((tmp_path / "redis.url").resolve()) in result.stderr
    assert "6379" not in result.stdout


def test_the_file_gonghui_up_writes_is_where_commands_find_redis(
    tmp_path: Path, redis_url: str
) -> None:
    (tmp_path / "redis.url").write_text(redis_url + "\n")

    result = gonghui("dlq", "list", "--stream", "t-nothing-here", var_dir=tmp_path)

    assert result.returncode == 0, result.stderr


def test_a_taken_port_is_refused_and_a_free_one_accepted(taken_port: int) -> None:
    with pytest.raises(embedded_redis.EmbeddedRedisError, match="already in use"):
        embedded_redis.require_free(taken_port)
    embedded_redis.require_free(embedded_redis.free_port())


def test_a_port_whose_last_server_just_stopped_is_free_again() -> None:
    """Connections the server closed linger in TIME_WAIT; the server may bind again, so may we."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Redis listens
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server side closes first: its end waits in TIME_WAIT
            client.recv(1)
    embedded_redis.require_free(port)
