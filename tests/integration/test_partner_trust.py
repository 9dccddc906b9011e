"""Keys rotate without downtime, feeds carry only what was granted, signed departments must sign."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, ConnectionError, ResponseError

from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.departments import DepartmentDirectory, DirectoryError, connection_url
from gonghui.shared.outbox import Feeds, OutboxRelay
from gonghui.shared.signing import Signing, sign
from gonghui.shared.streams import StreamKeys
from gonghui.stations.application.handlers import register_station
from tests.integration.test_consumer import consumer_for, deliver, station_count
from tests.support.builders import entry, station_data

DEPT = "cib-bank"


@pytest.fixture
async def directory(redis: Redis, keys: StreamKeys) -> DepartmentDirectory:
    return DepartmentDirectory(redis, keys)


async def connect(
    redis_url: str, directory: DepartmentDirectory, code: str, password: str
) -> Redis:
    client = Redis.from_url(
        connection_url(redis_url, username=directory.username(code), password=password)
    )
    await client.ping()
    return client


async def test_rotation_keeps_both_keys_working_until_finished(directory, redis_url: str) -> None:
    _, old = await directory.add(DEPT, "兴业银行福州分行")
    _, new = await directory.rotate(DEPT)
    before, after = (
        await connect(redis_url, directory, DEPT, old),
        await connect(redis_url, directory, DEPT, new),
    )

    await directory.finish_rotation(DEPT)

    with pytest.raises((ConnectionError, AuthenticationError, ResponseError)):
        await before.ping()
    with pytest.raises((AuthenticationError, ResponseError)):
        await connect(redis_url, directory, DEPT, old)
    assert await (await connect(redis_url, directory, DEPT, new)).ping()
    await before.aclose()
    await after.aclose()


async def test_granted_feed_gets_copies_of_public_events_and_nothing_else(
    directory, redis: Redis, redis_url: str, keys: StreamKeys, stations_uow, stations_sessions
) -> None:
    _, password = await directory.add("transport", "福州市交通运输局")
    await directory.add("police", "福州市公安局")
    await directory.grant("transport", "stations.events")
    with pytest.raises(DirectoryError, match="not a public stream"):
        await directory.grant("transport", "dept.police.outbox")

    await register_station(RegisterStation(**station_data()), operator=DEPT, uow=stations_uow())
    relay = OutboxRelay(
        stations_sessions, redis, service="stations", keys=keys, feeds=Feeds(directory, keys)
    )
    assert await relay.relay_once() == 1

    transport = await connect(redis_url, directory, "transport", password)
    [(_, [(entry_id, fields)])] = await transport.xreadgroup(
        "transport", "desk", {keys.feed("transport"): ">"}, count=10
    )
    assert fields[b"type"] == b"station.registered.v1"
    assert await transport.xack(keys.feed("transport"), "transport", entry_id) == 1
    assert await redis.exists(keys.feed("police")) == 0
    with pytest.raises(ResponseError, match="permission"):
        await transport.xreadgroup("transport", "desk", {keys.events("stations"): ">"})
    await transport.aclose()


def hmac_signing() -> Signing:
    return Signing("hmac-sha256", base64.b64encode(b"k" * 32).decode())


def ed25519_signing() -> tuple[Signing, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw_private = private.private_bytes_raw()
    return Signing("ed25519", base64.b64encode(public).decode()), base64.b64encode(
        raw_private
    ).decode()


@pytest.mark.parametrize("scheme", ["hmac-sha256", "ed25519"])
async def test_signed_department_entries_are_checked(
    scheme: str, redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    if scheme == "hmac-sha256":
        signing = hmac_signing()
        signing_key = signing.key
    else:
        signing, signing_key = ed25519_signing()
    now = int(time.time())
    consumer = consumer_for(redis, keys, stations_uow)
    consumer.signing = signing

    def signed(fields: dict[str, str], at: int = now) -> dict[str, str]:
        return sign(fields, scheme=scheme, key=signing_key, timestamp=at)

    good = signed(entry(DEPT, event_id="evt-signed"))
    tampered = {
        **signed(entry(DEPT, data=station_data(external_ref="T"))),
        "data": '{"external_ref": "X"}',
    }
    await deliver(
        redis,
        consumer,
        good,
        entry(DEPT, data=station_data(external_ref="U")),
        tampered,
        signed(entry(DEPT, data=station_data(external_ref="S")), at=now - 301),
        good,  # a replay inside the window
    )
    reasons = [letter.reason for letter in await DeadLetters(redis, keys).list()]
    assert len(reasons) == 3
    assert reasons[0].startswith("unsigned")
    assert reasons[1].startswith("invalid signature")
    assert reasons[2].startswith("stale signature")
    assert await station_count(stations_uow) == 1


async def test_signing_is_required_from_the_directory_by_running_services(
    directory, redis: Redis, keys: StreamKeys
) -> None:
    await directory.add(DEPT, "兴业银行福州分行")
    await directory.require_signature(DEPT, hmac_signing())
    assert (await directory.get(DEPT)).signing == hmac_signing()
    await directory.require_signature(DEPT, None)
    assert (await directory.get(DEPT)).signing is None
