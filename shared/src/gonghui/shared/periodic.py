"""Background loops every replica runs; the database or Redis decides who does what."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Worker = Callable[[asyncio.Event], Awaitable[None]]
"""A loop that runs until its event is set."""


async def every(seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
    """Run `job`, then wait `seconds`, until `stop` is set; a failure is logged, never fatal."""
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("%s failed; trying again in %s s", getattr(job, "__name__", job), seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
