"""Dead letters are kept whole, listed with reasons, and can be replayed once the cause is fixed."""

from __future__ import annotations

import json
import re

from redis.asyncio import Redis

from gonghui.shared.consumer import Handlers, Incoming
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import register_station
from tests.integration.test_consumer import DEPT, consumer_for, deliver, station_count
from tests.support.builders import entry
from tests.support.servers import run_cli
from tests.support.streams import create_group, read_new


async def test_replayed_dead_letter_applies_once_the_cause_is_fixed(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    outage = {"on": True}
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def during_outage(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        if outage["on"]:
            raise TimeoutError("geocoder unreachable")
        await register_station(msg.data, operator=msg.department, uow=uow)

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers, max_deliveries=1)
    await deliver(redis, consumer, entry(DEPT, event_id="evt-outage"))
    await consumer.reclaim(min_idle_ms=0)
    letters = DeadLetters(redis, keys)
    [letter] = await letters.list()
    assert letter.original["id"] == "evt-outage"
    assert "geocoder unreachable" in letter.reason

    outage["on"] = False
    await letters.replay(letter.dlq, letter.id)
    await consumer.process(await read_new(redis, consumer.stream, "stations", "c1"))
    assert await letters.list() == []
    assert await station_count(stations_uow) == 1

    # A second replay of the same event (say, by mistake) is a duplicate and changes nothing.
    await redis.xadd(consumer.stream, entry(DEPT, event_id="evt-outage"))
    await consumer.process(await read_new(redis, consumer.stream, "stations", "c1"))
    assert await station_count(stations_uow) == 1


async def test_operator_works_off_dead_letters_from_the_command_line(
    redis: Redis, keys: StreamKeys, redis_url: str, stations_uow
) -> None:
    env = {"REDIS_URL": redis_url, "GONGHUI_STREAM_PREFIX": keys.prefix}
    await deliver(
        redis,
        consumer_for(redis, keys, stations_uow),
        entry(DEPT, data="{oops", event_id="evt-bad"),
    )

    listed = json.loads(run_cli("dlq", "list", "--json", env=env).stdout)
    assert [(d["original"]["id"], d["group"]) for d in listed] == [("evt-bad", "stations")]
    dlq, letter_id = listed[0]["dlq"], listed[0]["id"]

    shown = run_cli("dlq", "show", dlq, letter_id, env=env)
    assert shown.returncode == 0 and "data is not JSON" in shown.stdout

    replayed = run_cli("dlq", "replay", dlq, letter_id, env=env)
    assert replayed.returncode == 0, replayed.stderr
    assert await redis.xlen(dlq) == 0
    [(_, fields)] = await redis.xrange(keys.outbox(DEPT), count=1, min=replayed.stdout.split()[-1])
    assert fields[b"id"] == b"evt-bad"


async def test_department_commands_from_the_command_line(
    redis: Redis, keys: StreamKeys, redis_url: str
) -> None:
    env = {"REDIS_URL": redis_url, "GONGHUI_STREAM_PREFIX": keys.prefix}
    added = run_cli("dept", "add", "power-fz", "--name", "国网福州供电公司", env=env)
    assert added.returncode == 0, added.stderr
    url = added.stdout.strip().splitlines()[-1]
    department = Redis.from_url(url)
    assert await department.xadd(keys.outbox("power-fz"), entry("power-fz"))

    assert "power-fz" in run_cli("dept", "list", env=env).stdout
    again = run_cli("dept", "add", "power-fz", "--name", "again", env=env)
    assert again.returncode == 2 and "already exists" in again.stdout

    assert run_cli("dept", "revoke", "power-fz", env=env).returncode == 0
    assert "revoked" in run_cli("dept", "list", env=env).stdout
    await department.aclose()


async def test_a_department_reads_on_its_inbox_why_each_refused_entry_was_refused(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    refused = {
        "bad-json": entry(DEPT, data="{oops", event_id="bad-json"),
        "bad-data": entry(DEPT, data={"name": "x"}, event_id="bad-data", correlationid="c-42"),
        "bad-type": entry(DEPT, "station.teleport.v1", event_id="bad-type"),
        "forged": entry(DEPT, event_id="forged", source="dept/post-fz"),
    }
    consumer = consumer_for(redis, keys, stations_uow)
    await create_group(redis, consumer.stream, consumer.group)
    written = {name: (await redis.xadd(consumer.stream, f)).decode() for name, f in refused.items()}
    await redis.xadd(consumer.stream, entry(DEPT, event_id="good"))
    await consumer.process(await read_new(redis, consumer.stream, "stations", "c1"))

    letters = {letter.original["id"]: letter for letter in await DeadLetters(redis, keys).list()}
    notices = [CloudEvent.from_fields(fields) for _, fields in await redis.xrange(keys.inbox(DEPT))]
    assert sorted(n.data["event_id"] for n in notices) == sorted(refused), "one per refusal"
    for notice in notices:
        name = notice.data["event_id"]
        assert notice.type == "entry.rejected.v1"
        assert notice.source == "gonghui/stations"
        assert notice.id == f"rejected:{written[name]}"
        assert notice.data["entry_id"] == written[name]
        assert notice.data["event_type"] == refused[name]["type"]
        assert notice.data["reason_en"] == letters[name].reason
        assert notice.data["refused_by"] == "stations"
        assert re.search(r"[\u4e00-\u9fff]", notice.data["reason_zh"]), notice.data["reason_zh"]
    by_id = {n.data["event_id"]: n for n in notices}
    assert by_id["bad-json"].data["reason_zh"] == "data 不是合法的 JSON"
    assert by_id["bad-data"].data["reason_zh"] == "数据校验未通过"
    assert by_id["bad-data"].correlationid == "c-42", "the notice keeps the entry's correlation"
    assert by_id["forged"].data["reason_zh"].startswith("source 与所在的流不符")


async def test_an_entry_given_up_after_retries_is_announced_with_its_last_error(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def always_down(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        raise TimeoutError("geocoder unreachable")

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers, max_deliveries=1)
    await deliver(redis, consumer, entry(DEPT, event_id="evt-outage"))
    await consumer.reclaim(min_idle_ms=0)

    [(_, fields)] = await redis.xrange(keys.inbox(DEPT))
    notice = CloudEvent.from_fields(fields)
    assert notice.data["event_id"] == "evt-outage"
    assert notice.data["deliveries"] == 2
    assert "geocoder unreachable" in notice.data["reason_en"]
    assert notice.data["reason_zh"] == "多次尝试仍无法处理"
