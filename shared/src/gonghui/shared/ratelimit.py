"""Per-department limits, so a flood from one partner cannot crowd out the others."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` entries a second on average, bursts up to `burst`; callers wait for their turn."""

    def __init__(
        self, *, rate: float, burst: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._rate = rate
        self._burst = burst
        self._now = now
        self._tokens = float(burst)
        self._updated = now()

    def delay_for(self, n: int) -> float:
        """Take `n` tokens and return how long the caller must wait before using them."""
        now = self._now()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        self._tokens -= n
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate

    async def take(self, n: int) -> None:
        """Wait until `n` entries may be applied."""
        delay = self.delay_for(n)
        if delay:
            await asyncio.sleep(delay)
