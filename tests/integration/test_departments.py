"""A department's Redis user reaches exactly its own streams, and revocation is immediate."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, ConnectionError, NoPermissionError, ResponseError

from gonghui.shared.departments import DepartmentDirectory, DirectoryError, connection_url
from gonghui.shared.streams import StreamKeys
from tests.support.builders import entry


@pytest.fixture
async def transport(
    redis: Redis, keys: StreamKeys, redis_url: str
) -> AsyncIterator[tuple[DepartmentDirectory, Redis]]:
    """The transport bureau, provisioned, connected as itself."""
    directory = DepartmentDirectory(redis, keys)
    _, password = await directory.add("transport", "福州市交通运输局")
    await directory.add("police", "福州市公安局")  # a neighbour it must not touch
    client = Redis.from_url(
        connection_url(redis_url, username=directory.username("transport"), password=password)
    )
    yield directory, client
    await client.aclose()


async def test_department_may_add_to_its_outbox_and_work_its_inbox(
    transport, keys: StreamKeys, redis: Redis
) -> None:
    _, client = transport
    assert await client.xadd(keys.outbox("transport"), entry("transport"))
    await redis.xadd(keys.inbox("transport"), {"type": "proposal.assigned.v1"})
    work = await client.xreadgroup("transport", "desk-1", {keys.inbox("transport"): ">"}, count=10)
    [(_, [(entry_id, _)])] = work
    assert await client.xack(keys.inbox("transport"), "transport", entry_id) == 1
    assert await client.ping()


@pytest.mark.parametrize(
    "command",
    [
        ("XADD", "{police_outbox}", "*", "a", "b"),
        ("XADD", "{own_inbox}", "*", "a", "b"),
        ("XADD", "{stations_events}", "*", "a", "b"),
        ("XRANGE", "{own_outbox}", "-", "+"),
        ("XREADGROUP", "GROUP", "police", "c", "STREAMS", "{police_inbox}", ">"),
        ("XGROUP", "CREATE", "{own_outbox}", "mine", "$"),
        ("DEL", "{own_outbox}"),
        ("KEYS", "*"),
        ("CONFIG", "GET", "*"),
        ("FLUSHALL",),
        ("SUBSCRIBE", "news"),
    ],
)
async def test_department_is_refused_everything_else(
    transport, keys: StreamKeys, command: tuple[str, ...]
) -> None:
    _, client = transport
    names = {
        "police_outbox": keys.outbox("police"),
        "police_inbox": keys.inbox("police"),
        "own_inbox": keys.inbox("transport"),
        "own_outbox": keys.outbox("transport"),
        "stations_events": keys.events("stations"),
    }
    args = [part.format(**names) for part in command]
    with pytest.raises((NoPermissionError, ResponseError)) as refused:
        await client.execute_command(*args)
    assert "NOPERM" in str(refused.value) or "permission" in str(refused.value).lower()


async def test_revocation_closes_connections_and_refuses_login(transport, redis_url: str) -> None:
    directory, client = transport
    await client.ping()
    await directory.revoke("transport")
    with pytest.raises((ConnectionError, AuthenticationError, ResponseError)):
        await client.ping()
    assert "transport" not in await directory.active_codes()


async def test_codes_are_checked_and_never_provisioned_twice(transport) -> None:
    directory, _ = transport
    with pytest.raises(DirectoryError, match="already exists"):
        await directory.add("transport", "again")
    with pytest.raises(DirectoryError, match="lowercase"):
        await directory.add("Bad Code!", "x")
