"""Event streams: a consumer with a fallback applies event types it has no contract for."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.shared.consumer import GroupConsumer, Handlers, Incoming
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.streams import StreamKeys
from tests.support.builders import entry
from tests.support.streams import create_group, pending_count, read_new


async def test_fallback_gets_untyped_data_once_and_unknown_types_without_it_are_skipped(
    redis: Redis, keys: StreamKeys, notify_uow: Callable[[], NotifyUnitOfWork]
) -> None:
    seen: list[tuple[str, dict]] = []
    with_fallback = Handlers()

    @with_fallback.otherwise
    async def anything(msg: Incoming[dict], uow: NotifyUnitOfWork) -> None:
        seen.append((msg.envelope.type, msg.data))

    stream = keys.events("proposals")
    await create_group(redis, stream, "g1")
    await create_group(redis, stream, "g2")
    future = entry(
        "x", "proposal.teleported.v1", {"proposal_id": "P-1"}, source="gonghui/proposals"
    )
    await redis.xadd(stream, future)
    await redis.xadd(stream, future)
    for group, handlers in (("g1", with_fallback), ("g2", Handlers())):
        consumer = GroupConsumer(
            stream=stream,
            group=group,
            consumer="c",
            service="notify",
            handlers=handlers,
            uow_factory=notify_uow,
            redis=redis,
            keys=keys,
            dead_letters=DeadLetters(redis, keys),
        )
        await consumer.process(await read_new(redis, stream, group, "c"))
        assert await pending_count(redis, stream, group) == 0
    assert seen == [("proposal.teleported.v1", {"proposal_id": "P-1"})]
    assert await redis.exists(keys.dlq(stream)) == 0
