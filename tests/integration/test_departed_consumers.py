"""Consumers of replicas that died leave their groups once they hold nothing pending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.notify.bootstrap import MIGRATIONS as NOTIFY_MIGRATIONS
from gonghui.notify.bootstrap import create_app as create_notify_app
from gonghui.notify.settings import NotifySettings
from gonghui.shared.groups import forget_departed_consumers
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from tests.support.system import eventually


async def consumers(redis: Redis, stream: str, group: str) -> dict[str, int]:
    """Each consumer of the group and how many entries it holds pending."""
    rows = await redis.xinfo_consumers(stream, group)
    return {row["name"].decode(): row["pending"] for row in rows}


async def _listed(redis: Redis, stream: str, consumer: str, *, listed: bool = True) -> bool:
    """Whether notify's group lists `consumer` (or, with `listed=False`, no longer does)."""
    return (consumer in await consumers(redis, stream, "notify")) is listed


async def _read_and_settled(redis: Redis, stream: str) -> bool:
    """Whether notify's group has read the stream's one entry and holds nothing pending."""
    read = (await redis.xinfo_groups(stream))[0]["entries-read"] == 1
    return read and not (await redis.xpending(stream, "notify"))["pending"]


async def _ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


async def test_only_idle_consumers_holding_nothing_are_removed(
    redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("stations")
    await redis.xgroup_create(stream, "notify", id="0", mkstream=True)
    for n in range(2):
        await redis.xadd(stream, {"n": str(n)})
    # A replica that died holding one entry, one that died holding nothing, one alive.
    # (An XREADGROUP that finds nothing creates no consumer on every version: create them.)
    taken = await redis.xreadgroup("notify", "gone-holding", {stream: ">"}, count=2)
    await redis.xack(stream, "notify", taken[0][1][0][0])
    await redis.xgroup_createconsumer(stream, "notify", "gone-empty")
    await redis.xgroup_createconsumer(stream, "notify", "alive")
    await asyncio.sleep(0.3)

    removed = await forget_departed_consumers(
        redis, stream, "notify", min_idle_ms=200, keep="alive"
    )

    assert removed == ["gone-empty"]
    assert await consumers(redis, stream, "notify") == {"gone-holding": 1, "alive": 0}
    assert (
        await forget_departed_consumers(redis, stream, "notify", min_idle_ms=60_000, keep="alive")
        == []
    ), "a consumer idle for less than the limit stays"

    # Once another consumer took over its entry (XAUTOCLAIM, as the reclaimer does), it goes.
    await redis.xautoclaim(stream, "notify", "alive", 0, start_id="0-0")
    assert await forget_departed_consumers(
        redis, stream, "notify", min_idle_ms=200, keep="alive"
    ) == ["gone-holding"]
    assert await consumers(redis, stream, "notify") == {"alive": 1}


async def test_no_group_or_no_stream_is_an_error_the_caller_sees(
    redis: Redis, keys: StreamKeys
) -> None:
    from redis.exceptions import ResponseError

    with pytest.raises(ResponseError):
        await forget_departed_consumers(
            redis, keys.events("nowhere"), "notify", min_idle_ms=0, keep="x"
        )


@pytest.fixture
async def notify_service(
    redis_url: str, keys: StreamKeys, tmp_path: Path, redis: Redis
) -> AsyncIterator[NotifySettings]:
    """A running notify service that looks for departed consumers every 0.2 s."""
    settings = NotifySettings(
        redis_url=redis_url,
        stream_prefix=keys.prefix,
        database_url=f"sqlite:///{tmp_path / 'notify.db'}",
        departed_consumer_idle_ms=500,
        departed_consumer_interval_s=0.2,
    )
    await upgrade(NOTIFY_MIGRATIONS, settings.database_url)
    app = create_notify_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http,
    ):
        await eventually(lambda: _ready(http), within=20, failing="notify never became ready")
        yield settings


async def test_a_running_service_removes_a_dead_replicas_consumer_and_keeps_its_own(
    notify_service: NotifySettings, redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("stations")
    # A replica is listed from its start, before any entry has been served to it, so
    # XINFO CONSUMERS shows every replica reading (Redis itself adds one only when served).
    assert await consumers(redis, stream, "notify") == {notify_service.consumer_name: 0}
    await redis.xgroup_createconsumer(stream, "notify", "notify-replica-that-died")

    await eventually(
        lambda: _listed(redis, stream, "notify-replica-that-died", listed=False),
        within=15,
        failing="the departed consumer was never removed",
    )
    assert notify_service.consumer_name in await consumers(redis, stream, "notify")

    # Removed by another replica after a quiet spell (Redis < 7.2 does not count an empty read
    # as activity), it lists itself again at its next round.
    await redis.xgroup_delconsumer(stream, "notify", notify_service.consumer_name)
    await eventually(
        lambda: _listed(redis, stream, notify_service.consumer_name),
        within=5,
        failing="the replica never listed itself again",
    )

    # It goes on reading: a malformed entry is read, dead-lettered and acknowledged.
    await redis.xadd(stream, {"not": "a cloudevent"})
    await eventually(
        lambda: _read_and_settled(redis, stream),
        within=15,
        failing="the service never read the entry",
    )
    assert notify_service.consumer_name in await consumers(redis, stream, "notify")
