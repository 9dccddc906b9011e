"""Events through the partners' HTTPS door against the same events XADDed directly, in one run.

Ours: `gonghui serve front` as its own process; N `station.register.v1` events POSTed to
`/partner/v1/events` by 8 concurrent clients, one event a request (binary mode), then the same
N in batches of 100 (`application/cloudevents-batch+json`). Each request is authenticated by
the department's key, judged as the consumers would judge it, admitted against the shared
per-department allowance, and XADDed. Baseline: the same N entries XADDed by 8 concurrent
clients one at a time, then pipelined in batches of 100.

    uv run python -m benchmarks.partner_https [-n 2000] [--repeat 3]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
from redis.asyncio import Redis

from benchmarks.support import arguments, redis_url, report, timed
from gonghui.cli import embedded_redis
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.streams import StreamKeys
from tests.support.builders import entry, station_data
from tests.support.servers import delete_keys
from tests.support.system import wait_until

CODE = "bench-bank"
CLIENTS = 8
BATCH = 100


def events(n: int) -> list[dict[str, str]]:
    """N register commands from the department, as stream fields."""
    return [
        entry(CODE, data=station_data(external_ref=f"B-{i:06d}", name=f"基准驿站{i}"))
        for i in range(n)
    ]


async def in_parallel(items: list, send) -> None:  # type: ignore[no-untyped-def, type-arg]
    """`send` every item with CLIENTS concurrent senders."""
    queue = list(reversed(items))

    async def worker() -> None:
        while queue:
            await send(queue.pop())

    await asyncio.gather(*(worker() for _ in range(CLIENTS)))


def binary(fields: dict[str, str]) -> tuple[dict[str, str], bytes]:
    headers = {f"ce-{k}": v for k, v in fields.items() if k not in ("data", "datacontenttype")}
    headers["content-type"] = "application/json"
    return headers, fields["data"].encode()


async def door(base: str, key: str, fields: list[dict[str, str]], *, batched: bool) -> float:
    limits = httpx.Limits(max_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as http:

        async def one(f: dict[str, str]) -> None:
            h, body = binary(f)
            answer = await http.post("/partner/v1/events", headers=h, content=body)
            assert answer.status_code == 202, answer.text

        async def many(chunk: list[dict[str, str]]) -> None:
            batch = [{**f, "data": json.loads(f["data"])} for f in chunk]
            answer = await http.post(
                "/partner/v1/events",
                content=json.dumps(batch, ensure_ascii=False).encode(),
                headers={"content-type": "application/cloudevents-batch+json"},
            )
            assert answer.status_code == 202, answer.text

        if batched:
            chunks = [fields[i : i + BATCH] for i in range(0, len(fields), BATCH)]
            return await timed(lambda: in_parallel(chunks, many))
        return await timed(lambda: in_parallel(fields, one))


async def direct(
    redis: Redis, stream: str, fields: list[dict[str, str]], *, batched: bool
) -> float:
    async def one(f: dict[str, str]) -> None:
        await redis.xadd(stream, f)

    async def many(chunk: list[dict[str, str]]) -> None:
        async with redis.pipeline(transaction=False) as pipe:
            for f in chunk:
                pipe.xadd(stream, f)
            await pipe.execute()

    if batched:
        chunks = [fields[i : i + BATCH] for i in range(0, len(fields), BATCH)]
        return await timed(lambda: in_parallel(chunks, many))
    return await timed(lambda: in_parallel(fields, one))


async def provision(url: str, prefix: str) -> str:
    """The department, and its door key."""
    redis = Redis.from_url(url)
    try:
        directory = DepartmentDirectory(redis, StreamKeys(prefix))
        await directory.add(CODE, "基准测试银行")
        return await directory.http_key(CODE)
    finally:
        await redis.aclose()


@contextlib.contextmanager
def running_front(url: str, prefix: str) -> Iterator[str]:
    """`gonghui serve front` on a free port, its limits out of the way; its base URL."""
    port = embedded_redis.free_port()
    env = {
        **os.environ,
        "REDIS_URL": url,
        "GONGHUI_STREAM_PREFIX": prefix,
        "FRONT_PARTNER_DEPARTMENT_RATE": "1000000000",
        "FRONT_PARTNER_DEPARTMENT_BURST": "1000000000",
    }
    front = subprocess.Popen(
        [sys.executable, "-m", "gonghui.cli", "serve", "front", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, timeout=120)
        yield base
    finally:
        front.terminate()
        front.wait(timeout=20)


async def measure(url: str, prefix: str, base: str, key: str, n: int, repeat: int) -> None:
    """Both sides, one event a request and then in batches, `repeat` times each."""
    outbox = StreamKeys(prefix).outbox(CODE)
    redis = Redis.from_url(url)
    try:
        for batched in (False, True):
            mine, raw = [], []
            for _ in range(repeat):
                await redis.delete(outbox)
                raw.append(await direct(redis, outbox, events(n), batched=batched))
                await redis.delete(outbox)
                mine.append(await door(base, key, events(n), batched=batched))
                assert await redis.xlen(outbox) == n
            how = f"batches of {BATCH}" if batched else "one event a request"
            report(f"HTTPS door, {CLIENTS} clients, {how}", n, mine, raw, target=0.1)
    finally:
        await redis.delete(outbox)
        await redis.aclose()


def main() -> None:
    """Provision, start the front, measure, clean up."""
    args = arguments(__doc__.splitlines()[0], default_n=2_000)
    prefix = f"bench{uuid.uuid4().hex[:8]}:"
    with redis_url() as url:
        try:
            key = asyncio.run(provision(url, prefix))
            with running_front(url, prefix) as base:
                asyncio.run(measure(url, prefix, base, key, args.n, args.repeat))
        finally:
            asyncio.run(forget(url, prefix))


async def forget(url: str, prefix: str) -> None:
    redis = Redis.from_url(url)
    try:
        await delete_keys(redis, prefix)
    finally:
        await redis.aclose()


if __name__ == "__main__":
    main()
