"""A file a long-running process touches while it can do its work, for container health checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[object]]


async def beat(path: Path, checks: Sequence[Check], stop: asyncio.Event, every_s: float) -> None:
    """Every `every_s`, run `checks` and, if all pass, write the time to `path`, until `stop`.

    A failing check (database or Redis unreachable) leaves the file alone, so it grows old and
    the health check reading its age turns red; a passing round makes it fresh again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        try:
            for check in checks:
                await asyncio.wait_for(check(), timeout=every_s)
            fresh = path.with_suffix(".new")
            fresh.write_text(datetime.now(UTC).isoformat() + "\n")
            os.replace(fresh, path)
        except Exception as exc:
            log.warning("heartbeat %s skipped: %s: %s", path.name, type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


def age_s(path: Path) -> float | None:
    """Seconds since the last beat, or None if there was none."""
    try:
        return datetime.now().timestamp() - path.stat().st_mtime
    except FileNotFoundError:
        return None
