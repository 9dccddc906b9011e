"""`gonghui up` runs its embedded Redis on the port it is given, and nowhere else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from gonghui.cli.embedded_redis import free_port


def test_up_runs_the_embedded_redis_on_the_port_from_the_environment(tmp_path: Path) -> None:
    redis_port = free_port()
    http_ports = {
        f"{name}_HTTP_PORT": str(free_port())
        for name in ("STATIONS", "PROPOSALS", "NOTIFY", "FRONT")
    }
    own = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and "DATABASE_URL" not in k}
    env = {
        **own,
        "GONGHUI_VAR_DIR": str(tmp_path / "var"),
        "GONGHUI_REDIS_PORT": str(redis_port),
        "PYTHONUNBUFFERED": "1",
        **http_ports,
    }
    log = (tmp_path / "up.log").open("w+")
    up = subprocess.Popen(
        [sys.executable, "-m", "gonghui.cli", "up"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        stations = f"http://127.0.0.1:{http_ports['STATIONS_HTTP_PORT']}/readyz"
        deadline = time.monotonic() + 120
        while True:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            try:
                if httpx.get(stations, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.5)

        written = (tmp_path / "var" / "redis.url").read_text().strip()
        assert written == f"redis://127.0.0.1:{redis_port}/0"
        assert redis.Redis(port=redis_port).ping()
        assert f"127.0.0.1:{redis_port}" in (tmp_path / "up.log").read_text()
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=60)
        log.close()
