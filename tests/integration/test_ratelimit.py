"""Rate limits live in Redis: every replica draws on the same allowance."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from gonghui.shared.ratelimit import RateLimited, RateLimiter
from gonghui.shared.streams import StreamKeys


def _limiter(redis: Redis, keys: StreamKeys, *, rate: float, burst: int) -> RateLimiter:
    return RateLimiter(redis, namespace=keys.limit("test"), rate=rate, burst=burst)


async def test_a_burst_passes_at_once_then_the_rate_applies(redis: Redis, keys: StreamKeys) -> None:
    limits = _limiter(redis, keys, rate=100, burst=500)
    assert await limits.acquire("cib-bank", 500) == 0
    assert await limits.acquire("cib-bank", 100) == pytest.approx(1.0, abs=0.1)
    assert await limits.acquire("post-fz", 500) == 0, "each party has an allowance of its own"


async def test_replicas_together_admit_the_rate_once_not_once_each(
    redis_url: str, redis: Redis, keys: StreamKeys
) -> None:
    rate, burst, replicas, seconds = 200, 50, 4, 3.0
    clients = [Redis.from_url(redis_url) for _ in range(replicas)]
    admitted = 0

    async def replica(client: Redis) -> None:
        nonlocal admitted
        limits = _limiter(client, keys, rate=rate, burst=burst)
        while time.monotonic() < deadline:
            await limits.take("flooder", 10)
            if time.monotonic() <= deadline:
                admitted += 10

    deadline = time.monotonic() + seconds
    try:
        await asyncio.gather(*(replica(c) for c in clients))
    finally:
        for client in clients:
            await client.aclose()
    expected = burst + rate * seconds
    assert expected * 0.85 <= admitted <= expected * 1.15, (
        f"{replicas} replicas admitted {admitted} in {seconds} s; the limit allows {expected}"
    )


async def test_admission_past_the_longest_wait_is_refused_with_when_to_retry(
    redis: Redis, keys: StreamKeys
) -> None:
    limits = _limiter(redis, keys, rate=10, burst=5)
    assert await limits.acquire("client-1", 5, max_wait_s=0) == 0
    with pytest.raises(RateLimited) as refused:
        await limits.acquire("client-1", 1, max_wait_s=0)
    assert refused.value.retry_after_s == pytest.approx(0.1, abs=0.05)
    assert "retry after" in str(refused.value)
    await asyncio.sleep(refused.value.retry_after_s + 0.05)
    assert await limits.acquire("client-1", 1, max_wait_s=0) == 0, "a refusal reserves nothing"
