"""`gonghui up` reports a process that dies, restarts it, and gives up on one that keeps dying."""

from __future__ import annotations

import signal
import sys
import threading
import time

from gonghui.cli.supervisor import RESTART_LIMIT, Supervisor


def test_a_child_that_keeps_dying_is_reported_restarted_then_stops_everything() -> None:
    reports: list[str] = []
    supervisor = Supervisor(report=reports.append)
    steady = supervisor.add("steady", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    supervisor.add("crashing", [sys.executable, "-c", "raise SystemExit(3)"], {})

    assert supervisor.run() == 1
    assert reports.count("crashing exited with code 3") == RESTART_LIMIT
    assert reports.count("restarting crashing") == RESTART_LIMIT - 1
    assert "stopping everything" in reports[-1]
    assert steady.poll() is not None, "the healthy child was stopped too"


def test_stoprequest_stops_every_child() -> None:
    supervisor = Supervisor(report=lambda _: None)
    child = supervisor.add("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    threading.Timer(0.5, lambda: supervisor.request_stop(signal.SIGTERM)).start()
    started = time.monotonic()
    assert supervisor.run() == 0
    assert child.poll() is not None
    assert time.monotonic() - started < 10
