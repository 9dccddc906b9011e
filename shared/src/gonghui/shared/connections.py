"""How a process connects to Redis: one node or a Redis Cluster, riding over restarts.

`GONGHUI_REDIS_MODE` (`single`, the default, or `cluster`) chooses; `REDIS_URL` names the server
or, for a cluster, any one of its nodes (the client learns the others from it).

After Redis restarts, every connection pooled before is dead, and redis-py finds out only when
it next uses one. By default that use fails once (redis-py retries only errors named in
`retry_on_error`), and since the pool hands out its newest connections first, an old one is
picked only when several commands run at once: failures then come one by one, seconds or
minutes after Redis is back (`/readyz` was seen flapping 4 to 28 s after recovery). Naming
connection errors as retryable makes the pool reconnect such a connection and run the command
again, within milliseconds. A cluster client also re-reads the slot map on such an error, so a
command whose primary died lands on the promoted replica.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Literal

from faststream.redis import RedisBroker, RedisClusterBroker
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

RedisMode = Literal["single", "cluster"]
REDIS_MODES: tuple[RedisMode, ...] = ("single", "cluster")
AnyRedis = Redis | RedisCluster


class RedisModeMismatch(RuntimeError):
    """`GONGHUI_REDIS_MODE` does not match the server `REDIS_URL` names."""


def redis_mode(mode: str | None = None) -> RedisMode:
    """The mode asked for, else `GONGHUI_REDIS_MODE`, else `single`; refuses anything else."""
    chosen = (mode or os.environ.get("GONGHUI_REDIS_MODE") or "single").strip().lower()
    if chosen not in REDIS_MODES:
        raise RedisModeMismatch(
            f"GONGHUI_REDIS_MODE is {chosen!r}; it must be 'single' or 'cluster'"
        )
    return chosen  # type: ignore[return-value]


def reconnecting(mode: RedisMode = "single") -> dict[str, Any]:
    """Client options that retry a command on a dead or timed-out connection.

    One node: 3 tries within a second. A cluster: 8 tries within ~5 s, long enough for a
    replica to be promoted when its primary dies (cluster-node-timeout plus the election).
    """
    if mode == "cluster":
        retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=8)
    else:
        retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3)
    return {"retry": retry, "retry_on_error": [ConnectionError, TimeoutError]}


def redis_client(
    url: str, *, mode: str | None = None, socket_timeout: float | None = None
) -> Redis:
    """A client for a process that outlives Redis restarts: `Redis`, or `RedisCluster`.

    Typed as `Redis` because the commands the project uses have the same signatures on both.
    `socket_timeout` is for clients of blocking reads, which must outwait their longest block.
    """
    chosen = redis_mode(mode)
    options = reconnecting(chosen)
    if socket_timeout is not None:
        options["socket_timeout"] = socket_timeout
    if chosen == "cluster":
        return RedisCluster.from_url(url, **options)  # type: ignore[return-value]
    return Redis.from_url(url, **options)


def stream_broker(url: str, *, mode: str | None = None) -> RedisBroker:
    """FastStream's broker for the same server: `RedisBroker`, or `RedisClusterBroker`."""
    if redis_mode(mode) == "cluster":
        return RedisClusterBroker(url, apply_types=False, logger=None)
    return RedisBroker(url, apply_types=False, logger=None)


def is_cluster(redis: Redis) -> bool:
    """Whether a client from `redis_client` talks to a cluster."""
    return isinstance(redis, RedisCluster)


async def check_redis_mode(url: str, *, mode: str | None = None, wait_s: float = 30.0) -> None:
    """Refuse at start, in one sentence, a cluster URL in single mode or the reverse.

    Asks the node itself (`INFO cluster`) over a plain connection, so neither client gets into
    the redirect or slot-map retries that a mismatch would otherwise cause forever. A Redis
    that is not up yet is waited for, `wait_s` at most.
    """
    chosen = redis_mode(mode)
    where = _without_password(url)
    probe = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                info = await probe.info("cluster")
                break
            except (ConnectionError, TimeoutError) as exc:
                if time.monotonic() > deadline:
                    raise ConnectionError(
                        f"Redis at {where} did not answer within {wait_s:.0f} s: {exc}"
                    ) from exc
                await asyncio.sleep(0.5)
    finally:
        await probe.aclose()
    enabled = bool(int(info.get("cluster_enabled", 0)))
    if chosen == "cluster" and not enabled:
        raise RedisModeMismatch(
            f"GONGHUI_REDIS_MODE=cluster but REDIS_URL ({where}) is a single Redis node, "
            "not a cluster node: unset GONGHUI_REDIS_MODE or point REDIS_URL at a cluster node"
        )
    if chosen == "single" and enabled:
        raise RedisModeMismatch(
            f"REDIS_URL ({where}) is a Redis Cluster node but GONGHUI_REDIS_MODE is 'single': "
            "set GONGHUI_REDIS_MODE=cluster"
        )


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
