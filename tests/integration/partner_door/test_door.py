"""The partners' HTTPS door over real HTTP (ASGI) and a real Redis: send, refuse, read, ack."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.front.bootstrap import create_app
from gonghui.front.settings import FrontSettings
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.ratelimit import RateLimiter
from gonghui.shared.signing import Signing, sign
from gonghui.shared.streams import StreamKeys
from tests.support.builders import entry, station_data

CODE = "door-bank"


@pytest.fixture
async def directory(redis: Redis, keys: StreamKeys) -> DepartmentDirectory:
    """The directory under this test's prefix, with one department."""
    directory = DepartmentDirectory(redis, keys)
    await directory.add(CODE, "门户测试银行")
    return directory


@pytest.fixture
async def door(
    redis_url: str, prefix: str, directory: DepartmentDirectory
) -> AsyncIterator[httpx.AsyncClient]:
    """The front, answering over ASGI, with the department's key set."""
    app = create_app(FrontSettings(redis_url=redis_url, stream_prefix=prefix))
    key = await directory.http_key(CODE)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://front", headers={"Authorization": f"Bearer {key}"}
    ) as client:
        yield client


def binary(fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """A CloudEvent in binary mode: attributes as ce-* headers, `data` as the body."""
    headers = {f"ce-{k}": v for k, v in fields.items() if k not in ("data", "datacontenttype")}
    headers["content-type"] = fields.get("datacontenttype", "application/json")
    return headers, fields["data"].encode()


async def test_a_binary_mode_event_becomes_the_entry_a_partner_would_xadd(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    fields = entry(CODE, subject="CIB-FZ-0001")
    headers, body = binary(fields)
    answer = await door.post("/partner/v1/events", headers=headers, content=body)
    assert answer.status_code == 202, answer.text
    [(entry_id, stored)] = await redis.xrange(keys.outbox(CODE))
    assert answer.json() == {
        "stream": keys.outbox(CODE),
        "entry_ids": [entry_id.decode()],
        "ids": [fields["id"]],
    }
    assert {k.decode(): v.decode() for k, v in stored.items()} == fields


async def test_structured_and_batch_modes_are_accepted_in_order(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    one = {**entry(CODE), "data": station_data()}
    answer = await door.post(
        "/partner/v1/events",
        content=json.dumps(one, ensure_ascii=False).encode(),
        headers={"content-type": "application/cloudevents+json; charset=utf-8"},
    )
    assert answer.status_code == 202, answer.text
    batch = [{**entry(CODE), "data": station_data(external_ref=f"REF-{n}")} for n in range(3)]
    answer = await door.post(
        "/partner/v1/events",
        content=json.dumps(batch).encode(),
        headers={"content-type": "application/cloudevents-batch+json"},
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["ids"] == [event["id"] for event in batch]
    stored = await redis.xrange(keys.outbox(CODE))
    assert [json.loads(fields[b"data"])["external_ref"] for _, fields in stored] == [
        "CIB-FZ-0001",
        "REF-0",
        "REF-1",
        "REF-2",
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data": "{not json"}, "data is not JSON: "),
        ({"source": "dept/police"}, "source 'dept/police' does not match stream"),
        ({"type": "station.teleport.v1"}, "unknown type 'station.teleport.v1'"),
        ({"type": "station.registered.v1"}, "is not a command stations accepts"),
        ({"data": json.dumps(station_data(lat="26.07"))}, "invalid station.register.v1 data: lat"),
    ],
)
async def test_a_malformed_event_is_refused_with_the_dead_letter_reason(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys, change: dict, reason: str
) -> None:
    headers, body = binary({**entry(CODE), **change})
    answer = await door.post("/partner/v1/events", headers=headers, content=body)
    assert answer.status_code == 400, answer.text
    assert reason in answer.json()["reason"]
    assert "事件被拒绝" in answer.json()["detail"]
    assert await redis.xlen(keys.outbox(CODE)) == 0


async def test_one_bad_event_refuses_the_whole_batch_and_names_it(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    batch = [{**entry(CODE), "data": station_data()}, {**entry(CODE), "data": [1]}]
    answer = await door.post(
        "/partner/v1/events",
        content=json.dumps(batch).encode(),
        headers={"content-type": "application/cloudevents-batch+json"},
    )
    assert answer.status_code == 400
    assert answer.json()["refused"] == [
        {"index": 1, "reason": "data must be a JSON object", "reason_zh": "data 必须是 JSON 对象"}
    ]
    assert await redis.xlen(keys.outbox(CODE)) == 0


async def test_not_a_cloud_event_is_a_400_with_the_reason(door: httpx.AsyncClient) -> None:
    answer = await door.post("/partner/v1/events", json={"hello": "world"})
    assert answer.status_code == 400
    assert "not a CloudEvent" in answer.json()["detail"]


async def test_a_wrong_or_retired_key_is_refused_and_a_rotated_one_works(
    door: httpx.AsyncClient, directory: DepartmentDirectory
) -> None:
    headers, body = binary(entry(CODE))
    wrong = {**headers, "Authorization": f"Bearer ghk.{CODE}.not-the-key"}
    answer = await door.post("/partner/v1/events", headers=wrong, content=body)
    assert answer.status_code == 401
    assert "Bearer" in answer.json()["detail"]

    old = await directory.http_key(CODE)
    new = await directory.rotate_http_key(CODE)
    for key in (old, new):
        rotated = {**headers, "Authorization": f"Bearer {key}", "ce-id": key[-12:]}
        assert (await door.post("/partner/v1/events", headers=rotated, content=body)).is_success
    await directory.finish_http_key_rotation(CODE)
    retired = {**headers, "Authorization": f"Bearer {old}", "ce-id": "after-finish"}
    assert (await door.post("/partner/v1/events", headers=retired, content=body)).status_code == 401
    assert await directory.http_key(CODE) == new


async def test_a_department_that_must_sign_is_refused_unsigned_and_accepted_signed(
    door: httpx.AsyncClient, directory: DepartmentDirectory
) -> None:
    secret = base64.b64encode(b"s" * 32).decode()
    await directory.require_signature(CODE, Signing("hmac-sha256", secret))
    fields = entry(CODE)
    headers, body = binary(fields)
    answer = await door.post("/partner/v1/events", headers=headers, content=body)
    assert answer.status_code == 400
    assert answer.json()["reason"].startswith("unsigned: ")
    signed = sign(fields, scheme="hmac-sha256", key=secret, timestamp=int(time.time()))
    headers, body = binary(signed)
    answer = await door.post("/partner/v1/events", headers=headers, content=body)
    assert answer.status_code == 202, answer.text


async def test_the_door_answers_429_while_the_redis_path_has_used_the_allowance(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    # What the stations consumers reserve when they apply entries read from the outbox.
    consumers = RateLimiter(redis, namespace=keys.limit("stations"), rate=500, burst=2000)
    await consumers.acquire(CODE, 3000)
    headers, body = binary(entry(CODE))
    answer = await door.post("/partner/v1/events", headers=headers, content=body)
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    assert "发送过快" in answer.json()["detail"]
    # Another service's allowance is its own: a proposals command still goes through.
    claim = entry(CODE, "proposal.claim.v1", {"proposal_id": "01JDX0000000000000000000AA"})
    headers, body = binary(claim)
    assert (await door.post("/partner/v1/events", headers=headers, content=body)).status_code == 202


async def test_inbox_items_come_back_until_acknowledged(
    door: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    ids = [
        (
            await redis.xadd(
                keys.inbox(CODE),
                entry(CODE, "proposal.assigned.v1", {"proposal_id": f"case-{n}"},
                      source="gonghui/proposals"),
            )
        ).decode()
        for n in range(2)
    ]  # fmt: skip
    page = (await door.get("/partner/v1/inbox", params={"wait": 1})).json()
    assert [item["entry_id"] for item in page["items"]] == ids
    assert page["items"][0]["event"]["data"] == {"proposal_id": "case-0"}
    again = (await door.get("/partner/v1/inbox", params={"wait": 1})).json()
    assert [item["entry_id"] for item in again["items"]] == ids
    acked = await door.post("/partner/v1/inbox/ack", json={"entry_ids": ids})
    assert acked.json() == {"acknowledged": 2}
    started = time.monotonic()
    empty = (await door.get("/partner/v1/inbox", params={"wait": 0.5})).json()
    assert empty["items"] == []
    assert time.monotonic() - started >= 0.45  # it waited for new items
    assert (await redis.xpending(keys.inbox(CODE), CODE))["pending"] == 0


async def test_a_feed_that_was_never_granted_is_a_404(door: httpx.AsyncClient) -> None:
    answer = await door.get("/partner/v1/feed", params={"wait": 0})
    assert answer.status_code == 404
    assert "gonghui dept grant" in answer.json()["detail"]
