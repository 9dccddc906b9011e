"""A worker's read of a station while a partner's burst of registrations is being applied.

The stations service runs as `gonghui serve stations` does, on SQLite (the default deployment)
or PostgreSQL. A prober GETs `/stations/<code>` (a database read) every 20 ms: first for a few
seconds with nothing else going on (the baseline, same run), then while a department's burst of
`station.register.v1` is applied, until the last `station.registered.v1` is out. The figure is
the read's latency during the burst beside the idle one.

    uv run python -m benchmarks.reads_during_burst                 # SQLite, burst of 5,000
    uv run python -m benchmarks.reads_during_burst --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from redis.asyncio import Redis

from benchmarks.partner_path import DEPARTMENT, arrivals, registration, send_burst
from benchmarks.support import scratch_database
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.streams import StreamKeys
from tests.support.servers import delete_keys
from tests.support.system import running_system

PROBE_EVERY_S = 0.02
IDLE_S = 5.0


@dataclass
class Reads:
    """What a prober saw: each answered read's time in ms, and how many failed."""

    took_ms: list[float] = field(default_factory=list)
    failed: int = 0

    def summary(self, title: str) -> str:
        """p50, p99 and the worst of the answered reads, and how many failed."""
        ordered = sorted(self.took_ms) or [0.0]

        def at(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

        return (
            f"{title}: {len(self.took_ms) + self.failed} reads, p50 {at(50):,.1f} ms, "
            f"p99 {at(99):,.1f} ms, worst {ordered[-1]:,.1f} ms, failed {self.failed}"
        )


async def probe(http: httpx.AsyncClient, url: str, stop: asyncio.Event) -> Reads:
    """Read the station until told to stop."""
    reads = Reads()
    while not stop.is_set():
        started = time.perf_counter()
        try:
            answered = (await http.get(url)).status_code == 200
        except httpx.HTTPError:
            answered = False
        if answered:
            reads.took_ms.append((time.perf_counter() - started) * 1000)
        else:
            reads.failed += 1
        await asyncio.sleep(PROBE_EVERY_S)
    return reads


async def run(args: argparse.Namespace) -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"rb{uuid.uuid4().hex[:6]}:"
    keys = StreamKeys(prefix)
    redis = Redis.from_url(redis_url)
    try:
        await DepartmentDirectory(redis, keys).add(DEPARTMENT, "基准测试合作银行")
        with tempfile.TemporaryDirectory(prefix="gonghui-rb-") as work:
            async with scratch_database(args.backend) as database:
                with running_system(
                    redis_url=redis_url,
                    prefix=prefix,
                    workdir=Path(work),
                    database_urls={"stations": database},
                    services=("stations",),
                    extra_env={
                        "STATIONS_DEPARTMENT_BURST": "100000",
                        "STATIONS_DEPARTMENT_RATE": "100000",
                    },
                ) as system:
                    await measure(args, redis, keys, system.url("stations", ""))
    finally:
        await delete_keys(redis, prefix)
        await redis.aclose()


async def measure(args: argparse.Namespace, redis: Redis, keys: StreamKeys, base: str) -> None:
    events = keys.events("stations")
    warm = [registration("warm", i) for i in range(5)]
    await send_burst(redis, keys.outbox(DEPARTMENT), warm)
    await arrivals(redis, events, {f"warm-{i:06d}" for i in range(5)}, give_up_after=120)
    async with httpx.AsyncClient(timeout=60) as http:
        [(_, last)] = await redis.xrevrange(events, count=1)
        url = f"{base}/stations/{json.loads(last[b'data'])['code']}"
        stop = asyncio.Event()
        idle = asyncio.create_task(probe(http, url, stop))
        await asyncio.sleep(IDLE_S)
        stop.set()
        print((await idle).summary(f"{args.backend}, idle"))
        burst = [registration("burst", i) for i in range(args.n)]
        expected = {f"burst-{i:06d}" for i in range(args.n)}
        stop = asyncio.Event()
        during = asyncio.create_task(probe(http, url, stop))
        started = time.perf_counter()
        await send_burst(redis, keys.outbox(DEPARTMENT), burst)
        seen = await arrivals(redis, events, expected, give_up_after=600)
        stop.set()
        reads = await during
        print(
            reads.summary(f"{args.backend}, during a burst of {args.n}")
            + f" (burst applied in {time.perf_counter() - started:.1f} s, {len(seen)} events)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5_000, help="registrations in the burst")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
