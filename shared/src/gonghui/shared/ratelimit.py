"""Rate limits every replica shares: a flood from one party cannot crowd out the others.

One Redis key per limited party holds its theoretical arrival time (GCRA, the token bucket's
single-number form); one script reads and moves it, so N replicas together admit the rate once,
not N times, and each call touches one key (Redis Cluster safe). Time is Redis's own clock, so
replicas whose clocks drift still agree.
"""

from __future__ import annotations

import asyncio
import math

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

_RESERVE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2]) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[3]) * interval
local wait = new_tat - now - capacity
if wait < 0 then wait = 0 end
local max_wait = tonumber(ARGV[4])
if max_wait >= 0 and wait > max_wait then
  return {0, math.floor(wait)}
end
if ARGV[5] == 'peek' then
  return {1, math.floor(wait)}
end
local keep_ms = math.floor((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', keep_ms)
return {1, math.floor(wait)}
"""
"""KEYS[1]: the party's key. ARGV: µs per unit, burst (units), units wanted, longest wait (µs, -1
for any), and `peek` to only look. Returns {reserved (1/0), µs to wait}."""


class RateLimited(Exception):
    """More than the limit allows within the wait the caller accepts (HTTP: 429, Retry-After)."""

    def __init__(self, key: str, retry_after_s: float) -> None:
        super().__init__(
            f"请求过于频繁，请 {math.ceil(retry_after_s)} 秒后再试 / "
            f"too many requests for {key}; retry after {retry_after_s:.1f} s"
        )
        self.key = key
        self.retry_after_s = retry_after_s


class RateLimiter:
    """`rate` units a second per key on average, bursts up to `burst`, shared through Redis."""

    def __init__(
        self, redis: Redis | RedisCluster, *, namespace: str, rate: float, burst: int
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._namespace = namespace
        self._interval_us = 1_000_000 / rate
        self._burst = burst
        self._reserve = redis.register_script(_RESERVE)

    async def acquire(self, key: str, n: int = 1, *, max_wait_s: float | None = None) -> float:
        """Reserve `n` units for `key`; return the seconds to wait before using them.

        With `max_wait_s`, a reservation that would have to wait longer is not made and
        `RateLimited` says when to come back: for admission decisions (answer 429) rather than
        backpressure (wait, then go).
        """
        max_wait_us = -1 if max_wait_s is None else int(max_wait_s * 1_000_000)
        reserved, wait_us = await self._reserve(
            keys=[f"{self._namespace}{key}"], args=[self._interval_us, self._burst, n, max_wait_us]
        )
        if not reserved:
            raise RateLimited(key, wait_us / 1_000_000)
        return wait_us / 1_000_000

    async def admit(self, key: str, n: int = 1) -> None:
        """Raise `RateLimited` unless `n` more units would fit now; reserve nothing.

        For a gate in front of a consumer that reserves the units itself when it applies
        them (the partners' HTTPS door before the services): each unit is counted once.
        """
        fits, wait_us = await self._reserve(
            keys=[f"{self._namespace}{key}"],
            args=[self._interval_us, self._burst, n, 0, "peek"],
        )
        if not fits:
            raise RateLimited(key, wait_us / 1_000_000)

    async def take(self, key: str, n: int = 1) -> None:
        """Wait until `n` units may be used for `key` (the backpressure form)."""
        delay = await self.acquire(key, n)
        if delay:
            await asyncio.sleep(delay)
