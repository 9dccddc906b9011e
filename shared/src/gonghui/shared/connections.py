"""How a long-running process connects to Redis: it rides over Redis restarts.

After Redis restarts, every connection pooled before is dead, and redis-py finds out only when
it next uses one. By default that use fails once (redis-py retries only errors named in
`retry_on_error`), and since the pool hands out its newest connections first, an old one is
picked only when several commands run at once: failures then come one by one, seconds or
minutes after Redis is back (`/readyz` was seen flapping 4 to 28 s after recovery). Naming
connection errors as retryable makes the pool reconnect such a connection and run the command
again, within milliseconds.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError


def reconnecting() -> dict[str, Any]:
    """Client options that retry a command on a dead or timed-out connection (3 tries, <1 s)."""
    return {
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


def redis_client(url: str) -> Redis:
    """A client for a process that outlives Redis restarts."""
    return Redis.from_url(url, **reconnecting())
