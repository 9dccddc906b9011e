"""Redis Cluster as a deployment: the mode is checked, departments live on every node, and a
primary that dies mid-flow loses and doubles nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoPermissionError, RedisError, ResponseError
from sqlalchemy import select

from gonghui.shared.connections import RedisModeMismatch, check_redis_mode, redis_client
from gonghui.shared.db import ProcessedEvent, create_engine
from gonghui.shared.deadletters import Burial, DeadLetters
from gonghui.shared.departments import DepartmentDirectory, connection_url
from gonghui.shared.groups import forget_departed_consumers
from gonghui.shared.migrations import upgrade
from gonghui.shared.ratelimit import RateLimiter
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.ratelimit import Limit, RedisRateLimiter
from gonghui.stations.bootstrap import MIGRATIONS as STATIONS_MIGRATIONS
from gonghui.stations.bootstrap import create_app as create_stations_app
from gonghui.stations.settings import StationsSettings
from tests.support.builders import entry, station_data
from tests.support.cluster import LocalCluster, local_cluster
from tests.support.servers import run_cli
from tests.support.system import eventually


@pytest.fixture
def bus_mode() -> str:
    """Everything here runs on the cluster."""
    return "cluster"


async def test_a_cluster_url_in_single_mode_and_the_reverse_stop_with_one_sentence(
    redis_cluster: LocalCluster, redis_url: str
) -> None:
    with pytest.raises(RedisModeMismatch, match="is a Redis Cluster node but GONGHUI_REDIS_MODE"):
        await check_redis_mode(redis_cluster.url, mode="single")
    with pytest.raises(RedisModeMismatch, match="is a single Redis node, not a cluster node"):
        await check_redis_mode(redis_url, mode="cluster")

    # The command exits (it does not retry), with the sentence on one line.
    refused = run_cli("dept", "list", env={"REDIS_URL": redis_url, "GONGHUI_REDIS_MODE": "cluster"})
    assert refused.returncode == 2
    assert "is a single Redis node, not a cluster node" in refused.stderr.splitlines()[-1]


ALLOWED = [
    ("XADD", "{own_outbox}", "*", "a", "b"),
    ("XREADGROUP", "GROUP", "transport", "desk", "STREAMS", "{own_inbox}", ">"),
    ("XACK", "{own_inbox}", "transport", "1-0"),
    ("XAUTOCLAIM", "{own_inbox}", "transport", "desk", "1000", "0"),
    ("XPENDING", "{own_inbox}", "transport"),
    ("XREADGROUP", "GROUP", "transport", "desk", "STREAMS", "{own_feed}", ">"),
    ("CLUSTER", "SLOTS"),
    ("PING",),
]
REFUSED = [
    ("XADD", "{police_outbox}", "*", "a", "b"),
    ("XADD", "{own_inbox}", "*", "a", "b"),
    ("XADD", "{stations_events}", "*", "a", "b"),
    ("XRANGE", "{own_outbox}", "-", "+"),
    ("XREADGROUP", "GROUP", "police", "c", "STREAMS", "{police_inbox}", ">"),
    ("XREADGROUP", "GROUP", "transport", "c", "STREAMS", "{stations_events}", ">"),
    ("XGROUP", "CREATE", "{own_outbox}", "mine", "$"),
    ("HGETALL", "{directory}"),
    ("DEL", "{own_outbox}"),
    ("KEYS", "*"),
    ("CONFIG", "GET", "*"),
    ("FLUSHALL",),
    ("CLUSTER", "FAILOVER"),
    ("ACL", "LIST"),
]


async def test_the_department_acl_matrix_holds_on_every_node(
    redis_cluster: LocalCluster, redis: Redis, keys: StreamKeys
) -> None:
    directory = DepartmentDirectory(redis, keys)
    _, password = await directory.add("transport", "福州市交通运输局")
    await directory.add("police", "福州市公安局")
    await directory.grant("transport", "stations.events")
    names = {
        "own_outbox": keys.outbox("transport"),
        "own_inbox": keys.inbox("transport"),
        "own_feed": keys.feed("transport"),
        "police_outbox": keys.outbox("police"),
        "police_inbox": keys.inbox("police"),
        "stations_events": keys.events("stations"),
        "directory": keys.departments(),
    }
    user = directory.username("transport")
    assert len(redis_cluster.alive()) == 6
    for node in redis_cluster.alive():
        client = node.client()
        for command in ALLOWED:
            args = [part.format(**names) for part in command]
            assert client.execute_command("ACL", "DRYRUN", user, *args) == b"OK", (node, args)
        for command in REFUSED:
            args = [part.format(**names) for part in command]
            verdict = client.execute_command("ACL", "DRYRUN", user, *args)
            assert b"no permissions" in verdict, (node, args, verdict)

    # And as a partner's own cluster client sees it.
    partner = RedisCluster.from_url(
        connection_url(redis_cluster.url, username=user, password=password)
    )
    try:
        assert await partner.xadd(keys.outbox("transport"), entry("transport"))
        await redis.xadd(keys.inbox("transport"), {"type": "proposal.assigned.v1"})
        [(_, [(entry_id, _)])] = await partner.xreadgroup(
            "transport", "desk", {keys.inbox("transport"): ">"}
        )
        assert await partner.xack(keys.inbox("transport"), "transport", entry_id) == 1
        for stream in (keys.inbox("transport"), keys.outbox("police")):
            with pytest.raises((NoPermissionError, ResponseError), match=r"(?i)permission"):
                await partner.xadd(stream, {"a": "b"})
    finally:
        await partner.aclose()


async def test_dept_sync_writes_the_users_again_on_a_node_that_lost_them(
    redis_cluster: LocalCluster, redis: Redis, keys: StreamKeys
) -> None:
    directory = DepartmentDirectory(redis, keys)
    await directory.add("transport", "福州市交通运输局")
    await directory.add("gone", "撤销的单位")
    await directory.revoke("gone")
    replica = next(n for n in redis_cluster.alive() if n not in redis_cluster.primaries())
    replica.client().execute_command("ACL", "DELUSER", directory.username("transport"))
    replica.client().execute_command("ACL", "SETUSER", directory.username("gone"), "on")

    synced = run_cli(
        "dept",
        "sync",
        env={
            "REDIS_URL": redis_cluster.url,
            "GONGHUI_REDIS_MODE": "cluster",
            "GONGHUI_STREAM_PREFIX": keys.prefix,
        },
    )

    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "written on 6 node(s)" in synced.stdout
    for node in redis_cluster.alive():
        users = set(node.client().execute_command("ACL", "USERS"))
        assert directory.username("transport").encode() in users, node
        assert directory.username("gone").encode() not in users, node


@pytest.fixture
def own_cluster() -> Iterator[LocalCluster]:
    """A cluster of this test's own: it kills one of its primaries."""
    with local_cluster() as cluster:
        yield cluster


async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http,
    ):
        yield http


async def test_a_primary_killed_mid_flow_loses_and_doubles_nothing(
    own_cluster: LocalCluster, tmp_path: Path
) -> None:
    keys = StreamKeys("fj:")
    database_url = f"sqlite:///{tmp_path / 'stations.db'}"
    await upgrade(STATIONS_MIGRATIONS, database_url)
    admin = redis_client(own_cluster.url, mode="cluster")
    _, password = await DepartmentDirectory(admin, keys).add("cib-bank", "兴业银行福州分行")
    settings = StationsSettings(
        redis_url=own_cluster.url,
        redis_mode="cluster",
        stream_prefix=keys.prefix,
        database_url=database_url,
        keeper_interval_s=0.3,
        reclaim_idle_ms=1000,
        reclaim_interval_s=0.5,
        relay_lease_ms=1000,
    )
    partner = RedisCluster.from_url(
        connection_url(
            own_cluster.url,
            username=DepartmentDirectory.username_in(keys, "cib-bank"),
            password=password,
        )
    )
    outbox, total = keys.outbox("cib-bank"), 120
    victim = own_cluster.primary_of(outbox)
    sent: list[str] = []
    try:
        async for http in serving(create_stations_app(settings)):
            await eventually(lambda http=http: _reading(http, 1), within=30, every=0.2)
            for n in range(total):
                event_id = f"cib-{n:04d}"
                fields = entry(
                    "cib-bank",
                    data=station_data(external_ref=f"CIB-FZ-{n:04d}", name=f"兴业银行驿站{n}"),
                    event_id=event_id,
                )
                await _send_until_acknowledged(partner, outbox, fields)
                sent.append(event_id)
                if n == total // 3:
                    own_cluster.kill(victim)  # its replica is promoted within ~2 s
                await asyncio.sleep(0.01)
            await eventually(lambda: _applied_count(database_url, total), within=90, every=0.2)
            events = await admin.xrange(keys.events("stations"))
    finally:
        await partner.aclose()
        await admin.aclose()

    applied = await _applied_ids(database_url)
    registrations: dict[str, set[str]] = {}
    for _, fields in events:
        if fields[b"type"] == b"station.registered.v1":
            ref = json.loads(fields[b"data"])["external_ref"]
            registrations.setdefault(ref, set()).add(fields[b"id"].decode())
    counts = {
        "sent": len(sent),
        "applied": len(applied),
        "lost": len(set(sent) - applied),
        "doubled": sum(len(ids) - 1 for ids in registrations.values()),
        "announced": len(registrations),
    }
    print("primary killed mid-flow:", counts)
    assert victim not in own_cluster.alive()
    assert counts == {**counts, "lost": 0, "doubled": 0, "applied": total, "announced": total}


async def _send_until_acknowledged(partner: RedisCluster, stream: str, fields: dict) -> None:
    """What a partner does: resend the same entry (same id) until Redis acknowledges it."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await partner.xadd(stream, fields)
            return
        except RedisError:
            assert time.monotonic() < deadline, "the cluster did not come back"
            await asyncio.sleep(0.2)


async def _reading(http: httpx.AsyncClient, outboxes: int) -> bool:
    return (await http.get("/readyz")).json()["subscribers"]["subscribers"] == outboxes


async def _applied_ids(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            table = ProcessedEvent.__table__
            rows = await connection.execute(
                select(table.c.event_id).where(
                    table.c.group == "stations", table.c.outcome == "applied"
                )
            )
            return {row.event_id for row in rows}
    finally:
        await engine.dispose()


async def _applied_count(database_url: str, total: int) -> bool:
    return len(await _applied_ids(database_url)) >= total


async def test_every_pipeline_and_script_of_the_plumbing_runs_on_a_cluster(
    redis: Redis, keys: StreamKeys
) -> None:
    # A transaction on one key (the stations limiter) and a one-key script (the shared limiter).
    limiter = RedisRateLimiter(redis, prefix=keys.prefix)
    for _ in range(3):
        await limiter.hit("visit.client", "1.2.3.4", Limit(count=3, window_s=60), now=1000.0)
    shared = RateLimiter(redis, namespace=keys.limit("stations"), rate=10, burst=5)
    assert await shared.acquire("cib-bank", 5) == 0

    # A pipeline over keys in different slots (a dead letter, its department's notice, the
    # index of DLQs), split by node by the client.
    outbox = keys.outbox("cib-bank")
    await DeadLetters(redis, keys).bury(
        [Burial(outbox, "stations", "1-0", {b"id": b"x"}, "unknown type 'a'", 1)]
    )
    assert [letter.entry_id for letter in await DeadLetters(redis, keys).list()] == ["1-0"]
    assert await redis.xlen(keys.inbox("cib-bank")) == 1

    # The departed-consumer script on one stream.
    await redis.xgroup_create(outbox, "stations", id="0", mkstream=True)
    await redis.xgroup_createconsumer(outbox, "stations", "gone")
    assert await forget_departed_consumers(redis, outbox, "stations", min_idle_ms=0, keep="me") == [
        "gone"
    ]
