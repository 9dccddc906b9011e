"""Limits on public writes, shared by every replica through Redis (one key per window)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis


@dataclass(frozen=True)
class Limit:
    """At most `count` calls per `window_s` seconds."""

    count: int
    window_s: int


class RateLimited(Exception):
    """Over a limit; `retry_after` seconds until the window turns."""

    def __init__(self, who: str, retry_after: int) -> None:
        super().__init__(f"too many requests from this {who}; retry after {retry_after} s")
        self.who = who
        self.retry_after = retry_after


class RedisRateLimiter:
    """Fixed-window counters in Redis: INCR and EXPIRE on one key, so it works on a cluster."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}stations.ratelimit"

    async def hit(self, scope: str, key: str, limit: Limit, *, now: float) -> None:
        """Count one call by `key` (a client or an opaque worker ref); raise if over the limit."""
        window = int(now // limit.window_s)
        name = f"{self._prefix}:{scope}:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, limit.window_s + 1)
            count, _ = await pipe.execute()
        if count > limit.count:
            retry_after = max(1, math.ceil((window + 1) * limit.window_s - now))
            raise RateLimited(scope.rpartition(".")[2], retry_after)
