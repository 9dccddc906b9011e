"""One setting chooses one Redis node or a Redis Cluster, for redis-py and FastStream alike."""

from __future__ import annotations

import pytest
from faststream.redis import RedisBroker, RedisClusterBroker
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from gonghui.shared.connections import (
    RedisModeMismatch,
    is_cluster,
    redis_client,
    redis_mode,
    stream_broker,
)
from gonghui.stations.settings import StationsSettings


def test_single_is_the_default_and_cluster_is_chosen_by_one_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GONGHUI_REDIS_MODE", raising=False)
    assert redis_mode() == "single"
    assert type(redis_client("redis://127.0.0.1:6379/0")) is Redis
    assert type(stream_broker("redis://127.0.0.1:6379/0")) is RedisBroker

    monkeypatch.setenv("GONGHUI_REDIS_MODE", "cluster")
    client = redis_client("redis://127.0.0.1:7000/0")
    assert isinstance(client, RedisCluster) and is_cluster(client)
    assert type(stream_broker("redis://127.0.0.1:7000/0")) is RedisClusterBroker
    assert StationsSettings(redis_url="redis://h:7000/0").redis_mode == "cluster"


def test_an_unknown_mode_is_refused_saying_which_are_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(RedisModeMismatch, match="must be 'single' or 'cluster'"):
        redis_mode("sentinel")
    monkeypatch.setenv("GONGHUI_REDIS_MODE", "sentinel")
    with pytest.raises(ValidationError, match="redis_mode"):
        StationsSettings(redis_url="redis://h:6379/0")
